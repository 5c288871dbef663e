package check

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

func runCheck(t *testing.T, paths ...string) *Report {
	t.Helper()
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs, errs := manifest.Read(paths, strings.NewReader(""))
	return Run(context.Background(), engine, docs, errs)
}

func find(r *Report, name string) *ObjectResult {
	for i := range r.Results {
		if r.Results[i].Name == name {
			return &r.Results[i]
		}
	}
	return nil
}

func rulesOf(o *ObjectResult) []string {
	var rules []string
	for _, v := range o.Violations {
		if !slices.Contains(rules, v.Rule) {
			rules = append(rules, v.Rule)
		}
	}
	return rules
}

func TestExamples(t *testing.T) {
	r := runCheck(t, "../../examples")
	article := find(r, "web-server-pod")
	if article == nil {
		t.Fatal("the article's pod was not checked")
	}
	want := []string{
		"image-tag-pinned", "probes-required", "resources-limits-required", "resources-requests-required",
		"security-capabilities", "security-privilege-escalation", "security-read-only-root-filesystem",
		"security-run-as-non-root", "security-seccomp",
	}
	if got := rulesOf(article); !slices.Equal(got, want) {
		t.Errorf("article pod rules\n got: %v\nwant: %v", got, want)
	}
	for _, name := range []string{"web-server-pod-fixed", "web", "db-migrate", "nightly-report"} {
		o := find(r, name)
		if o == nil || len(o.Violations) != 0 {
			t.Errorf("%s: want a clean result, got %+v", name, o)
		}
	}
	if got := rulesOf(find(r, "debuggable")); !slices.Equal(got, []string{"share-process-namespace"}) {
		t.Errorf("debuggable: rules %v", got)
	}
	if len(r.Errors) != 0 || r.ExitCode() != ExitDenied || r.Summary.Denied != 2 || r.Summary.Warned != 1 {
		t.Errorf("summary %+v, errors %v, exit %d", r.Summary, r.Errors, r.ExitCode())
	}
	fixed := find(r, "web-server-pod-fixed")
	if len(fixed.Mutations) != 1 || fixed.Mutations[0].Rule != "default-container-annotation" {
		t.Errorf("fixed pod mutations: %+v", fixed.Mutations)
	}
}

func TestBadInputsAreErrorsAndTheRestIsStillChecked(t *testing.T) {
	r := runCheck(t, "testdata/broken.yaml", "testdata/no-kind.yaml", "testdata/typo-kind.yaml",
		"testdata/missing.yaml", "testdata/bad-shape.yaml", "testdata/mixed.yaml", "testdata/list.json")
	var errs []string
	for _, err := range r.Errors {
		errs = append(errs, err.Error())
	}
	for _, want := range []string{
		"testdata/broken.yaml:9: invalid YAML: mapping values are not allowed in this context",
		"testdata/no-kind.yaml:1: the object has no kind",
		`testdata/typo-kind.yaml:2: kind "Deploymnet" is not a kind of apps/v1 (did you mean Deployment?)`,
		"testdata/missing.yaml: no such file or directory",
		"testdata/bad-shape.yaml:9: spec.containers[0].ports: expected a list, got a string",
	} {
		if !slices.Contains(errs, want) {
			t.Errorf("no error\n  %s\nin\n  %s", want, strings.Join(errs, "\n  "))
		}
	}
	if len(errs) != 5 {
		t.Errorf("%d errors, want 5: %v", len(errs), errs)
	}
	if r.ExitCode() != ExitError {
		t.Errorf("exit %d, want %d", r.ExitCode(), ExitError)
	}
	root := find(r, "root")
	if root == nil || !slices.Contains(rulesOf(root), "image-tag-pinned") || root.Namespace != "shop" {
		t.Errorf("the Pod after the skipped objects was not checked: %+v", root)
	}
	if a := find(r, "a"); a == nil || !slices.Contains(rulesOf(a), "containers-required") {
		t.Errorf("the Pod inside the List was not checked: %+v", a)
	}
	var skipped []string
	for _, s := range r.Skipped {
		skipped = append(skipped, s.Source)
	}
	wantSkipped := []string{"testdata/mixed.yaml#0", "testdata/mixed.yaml#1", "testdata/list.json#0.items[1]"}
	if !slices.Equal(skipped, wantSkipped) {
		t.Errorf("skipped %v, want %v", skipped, wantSkipped)
	}
}

func TestJSONOutputShape(t *testing.T) {
	r := runCheck(t, "../../examples/web-server-pod.yaml", "../../examples/web-server-pod-fixed.yaml")
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Results []struct {
			Source, APIVersion, Kind, Namespace, Name string
			Violations                                []map[string]any
			Mutations                                 []struct {
				Rule  string
				Patch []map[string]any
			}
		}
		Summary map[string]int
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 2 || out.Results[0].Source != "../../examples/web-server-pod.yaml#0" ||
		out.Results[0].Kind != "Pod" || out.Results[0].APIVersion != "v1" || out.Results[0].Namespace != "default" {
		t.Fatalf("results: %s", buf.String())
	}
	v := out.Results[0].Violations[0]
	for _, key := range []string{"rule", "action", "severity", "container", "path", "message", "remediation"} {
		if v[key] == nil || v[key] == "" {
			t.Errorf("violation lacks %q: %v", key, v)
		}
	}
	if m := out.Results[1].Mutations; len(m) != 1 || m[0].Patch[0]["op"] != "add" {
		t.Errorf("mutations: %+v", m)
	}
	if out.Summary["objects"] != 2 || out.Summary["denied"] != 1 || out.Summary["warned"] != 0 {
		t.Errorf("summary: %v", out.Summary)
	}
}

func TestSARIFOutput(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs, errs := manifest.Read([]string{"../../examples/web-server-pod.yaml", "testdata/broken.yaml"}, nil)
	r := Run(context.Background(), engine, docs, errs)
	var buf bytes.Buffer
	if err := r.WriteSARIF(&buf, "v0.0.0-test", engine.Rules(), engine.Config()); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if log.Version != "2.1.0" || len(run.Tool.Driver.Rules) != 24 {
		t.Errorf("version %s, %d rules", log.Version, len(run.Tool.Driver.Rules))
	}
	if len(run.Results) != 12 {
		t.Fatalf("%d results, want 12", len(run.Results))
	}
	res := run.Results[0]
	if res.Level != "error" || res.Locations[0].PhysicalLocation.Region.StartLine != 16 ||
		res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "../../examples/web-server-pod.yaml" {
		t.Errorf("first result: %+v", res)
	}
	if inv := run.Invocations[0]; inv.ExecutionSuccessful || len(inv.Notifications) != 1 {
		t.Errorf("invocation: %+v", inv)
	}
}

func TestTextOutput(t *testing.T) {
	r := runCheck(t, "../../examples/web-server-pod.yaml", "testdata/mixed.yaml")
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"../../examples/web-server-pod.yaml#0 Pod default/web-server-pod: denied (12 deny)",
		`  ../../examples/web-server-pod.yaml:16: deny [image-tag-pinned] container "web-server": image "nginx:latest" uses the tag latest (spec.containers[0].image); fix: `,
		"testdata/mixed.yaml#0 Service web: skipped (kind not evaluated by podpolicy)",
		"2 objects checked: 2 denied, 0 warned, 2 skipped, 0 errors",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestTextHeaderCountsEveryLineItLists: an object's header counts each action it then lists,
// and the violations exceptions waived are listed with the exception's reason, so that
// "excepted" does not read as "never violated".
func TestTextHeaderCountsEveryLineItLists(t *testing.T) {
	dir := t.TempDir()
	config := dir + "/config.yaml"
	writeFile(t, config, "rules:\n  probes-required: {action: warn}\n  resources-limits-required: {action: audit}\nexceptions:\n- {rule: image-tag-pinned, names: [node-agent-*], reason: \"pinned by the platform team\"}\n")
	manifest := dir + "/agent.yaml"
	writeFile(t, manifest, "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: node-agent-\nspec:\n  containers:\n  - name: agent\n    image: agent:latest\n")
	engine, err := policies.New(context.Background(), policies.Options{ConfigFile: config})
	if err != nil {
		t.Fatal(err)
	}
	report, err := Stream(context.Background(), engine, []string{manifest}, nil, StreamOptions{Keep: true}, nil)
	if err != nil || len(report.Results) != 1 {
		t.Fatalf("check: %v %+v", err, report)
	}
	var buf bytes.Buffer
	if err := report.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	count := func(prefix string) int {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, ": "+prefix+" [") {
				n++
			}
		}
		return n
	}
	header := fmt.Sprintf("%s#0 Pod default/node-agent- (generateName): denied (%d deny, %d warn, %d audit, %d excepted)", manifest, count("deny"), count("warn"), count("audit"), count("excepted"))
	if lines[0] != header || count("deny") == 0 || count("warn") != 2 || count("audit") != 2 || count("excepted") != 1 {
		t.Errorf("header\n%s\nwant\n%s\nof\n%s", lines[0], header, buf.String())
	}
	want := fmt.Sprintf("  %s:8: excepted [image-tag-pinned] container \"agent\": image \"agent:latest\" uses the tag latest (spec.containers[0].image); fix: pin it to a version tag, agent:<version>, or to a digest, agent@sha256:<digest> (exception: pinned by the platform team)", manifest)
	if !slices.Contains(lines, want) {
		t.Errorf("the excepted violation is not listed as\n%s\nin\n%s", want, buf.String())
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
