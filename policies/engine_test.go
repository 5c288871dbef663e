package policies

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// designRules are the rule IDs the README's rule table documents.
var designRules = []string{
	"container-ports-unique", "containers-required", "default-container-annotation",
	"host-namespaces", "host-path-volumes", "host-ports", "host-probes", "host-process",
	"image-tag-pinned", "inject-labels", "probe-port-declared", "probes-required",
	"resources-limits-required", "resources-requests-required", "security-apparmor",
	"security-capabilities", "security-privilege-escalation", "security-privileged",
	"security-proc-mount", "security-read-only-root-filesystem", "security-run-as-non-root",
	"security-seccomp", "security-selinux", "share-process-namespace", "sysctls-safe",
	"volume-types",
}

func TestCatalogHasEveryDesignRuleWithMetadata(t *testing.T) {
	e := newTestEngine(t, Options{})
	var ids []string
	for _, r := range e.Rules() {
		ids = append(ids, r.ID)
		if r.Title == "" || r.Description == "" || r.Remediation == "" || !slices.Contains([]string{"critical", "high", "medium", "low", "info"}, r.Severity) {
			t.Errorf("rule %s has incomplete metadata: %+v", r.ID, r)
		}
		wantType := library.ValidationRule
		if r.ID == "inject-labels" || r.ID == "default-container-annotation" {
			wantType = library.MutationRule
		}
		if r.Type != wantType {
			t.Errorf("rule %s is a %s rule, want %s", r.ID, r.Type, wantType)
		}
	}
	if !slices.Equal(ids, designRules) {
		t.Errorf("rule IDs\n got: %v\nwant: %v", ids, designRules)
	}
}

func articlePod() map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "web-server-pod"},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "web-server", "image": "nginx:latest",
			"ports": []any{map[string]any{"containerPort": 80}},
		}}},
	}
}

func evaluate(t *testing.T, e *Engine, obj map[string]any, namespace string) *Result {
	t.Helper()
	verdict, err := judge(t, e, obj, Context{Namespace: namespace, Phases: Validate | Mutate})
	if err != nil {
		t.Fatal(err)
	}
	return &verdict.Result
}

func TestViolationMessageFormat(t *testing.T) {
	result := evaluate(t, newTestEngine(t, Options{}), articlePod(), "default")
	var lines []string
	for _, v := range result.Violations {
		lines = append(lines, v.String())
	}
	want := `[resources-limits-required] container "web-server": resources.limits.memory is not set (spec.containers[0].resources.limits.memory); fix: set a memory limit such as 256Mi`
	if !slices.Contains(lines, want) {
		t.Errorf("no violation reads\n%s\nin\n%s", want, strings.Join(lines, "\n"))
	}
	if !slices.IsSortedFunc(result.Violations, func(a, b Violation) int {
		return strings.Compare(a.Rule+"\x00"+a.Path, b.Rule+"\x00"+b.Path)
	}) {
		t.Errorf("violations are not sorted by rule then path:\n%s", strings.Join(lines, "\n"))
	}
	if len(result.Violations) != 12 {
		t.Errorf("article pod has %d violations, want 12:\n%s", len(result.Violations), strings.Join(lines, "\n"))
	}
}

func TestConfigActionsSettingsAndExceptions(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	e := newTestEngine(t, Options{ConfigFile: "testdata/config/full.yaml", Now: func() time.Time { return now }})
	spec := fixture.PodSpec(t)
	broken := fixture.DeepCopy(spec).(map[string]any)
	broken["shareProcessNamespace"] = true                                                // warn -> deny
	fixture.At(broken, "containers", 0)["image"] = "registry.example.com/shop/web:latest" // deny -> warn
	delete(fixture.At(broken, "containers", 0), "livenessProbe")                          // deny -> audit
	broken["hostNetwork"] = true                                                          // off
	delete(fixture.At(broken, "containers", 0, "resources", "limits"), "cpu")             // cpu limits not required
	fixture.At(broken, "containers", 0, "securityContext", "capabilities")["add"] = []any{"NET_RAW"}
	fixture.At(broken, "containers", 1, "ports", 0)["hostPort"] = 9100

	result := evaluate(t, e, fixture.Object(0, broken), "shop")
	got := map[string]Action{}
	for _, v := range result.Violations {
		got[v.Rule] = v.Action
	}
	// Under hostNetwork the API server sets each containerPort's hostPort to it, and 8080 is
	// not among the allowed host ports: that is host-ports denying, not host-namespaces (off).
	want := map[string]Action{"share-process-namespace": Deny, "image-tag-pinned": Warn, "probes-required": Audit, "host-ports": Deny}
	if len(got) != len(want) {
		t.Errorf("violations by action: got %v, want %v", got, want)
	}
	for rule, action := range want {
		if got[rule] != action {
			t.Errorf("rule %s: action %q, want %q", rule, got[rule], action)
		}
	}
}

func TestExceptions(t *testing.T) {
	spec := fixture.PodSpec(t)
	writable := fixture.DeepCopy(spec).(map[string]any)
	fixture.At(writable, "containers", 0, "securityContext")["readOnlyRootFilesystem"] = false
	fixture.At(writable, "containers", 0)["image"] = "registry.example.com/legacy/shop/web:7.1"
	count := func(now time.Time, namespace, image, name string) int {
		e := newTestEngine(t, Options{ConfigFile: "testdata/config/full.yaml", Now: func() time.Time { return now }})
		obj := fixture.Object(0, writable)
		fixture.At(obj, "spec", "containers", 0)["image"] = image
		fixture.At(obj, "metadata")["name"] = name
		return len(evaluate(t, e, obj, namespace).WithAction(Deny))
	}
	before := time.Date(2027, 2, 28, 23, 0, 0, 0, time.UTC)
	after := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	legacy := "registry.example.com/legacy/shop/web:7.1"
	if n := count(before, "legacy", legacy, "web"); n != 0 {
		t.Errorf("matching exception before expiry: %d denials, want 0", n)
	}
	if n := count(after, "legacy", legacy, "web"); n != 1 {
		t.Errorf("expired exception: %d denials, want 1", n)
	}
	if n := count(before, "shop", legacy, "web"); n != 1 {
		t.Errorf("other namespace: %d denials, want 1", n)
	}
	if n := count(before, "legacy", "registry.example.com/shop/web:7.1", "web"); n != 1 {
		t.Errorf("other image: %d denials, want 1", n)
	}
	root := fixture.DeepCopy(spec).(map[string]any)
	fixture.At(root, "securityContext")["runAsUser"] = 0
	e := newTestEngine(t, Options{ConfigFile: "testdata/config/full.yaml"})
	obj := fixture.Object(0, root)
	fixture.At(obj, "metadata")["name"] = "old-web"
	if n := len(evaluate(t, e, obj, "shop").WithAction(Deny)); n != 1 {
		t.Errorf("an exception that expired in 2020 still applies: %d denials, want 1 (the pod's runAsUser)", n)
	}
}

func TestExemptNamespaceIsNotEvaluated(t *testing.T) {
	e := newTestEngine(t, Options{ConfigFile: "testdata/config/full.yaml"})
	result := evaluate(t, e, articlePod(), "legacy-system")
	if !result.Exempt || len(result.Violations) != 0 || len(result.Mutations) != 0 {
		t.Errorf("exempt namespace: %+v", result)
	}
	if r := evaluate(t, e, articlePod(), "kube-public"); r.Exempt {
		t.Error("kube-public is exempt although the config replaced the list")
	}
}

func TestPolicyDirAddsAndOverridesRules(t *testing.T) {
	e := newTestEngine(t, Options{PolicyDirs: []string{"testdata/policy-extra", "testdata/policy-override"}})
	spec := fixture.PodSpec(t)
	fixture.At(spec, "containers", 1, "ports", 0)["hostPort"] = 9102
	obj := fixture.Object(1, spec)
	result := evaluate(t, e, obj, "shop")
	if len(result.Violations) != 1 {
		t.Fatalf("violations: %+v", result.Violations)
	}
	v := result.Violations[0]
	if v.Rule != "team-label" || v.Path != "spec.template.metadata.labels.team" || v.Severity != "low" ||
		v.Remediation != "add a team label to the pod template's metadata" {
		t.Errorf("custom rule violation: %+v", v)
	}
	var titles []string
	for _, r := range e.Rules() {
		titles = append(titles, r.Title)
	}
	if !slices.Contains(titles, "Host ports restricted to the node-exporter range") {
		t.Errorf("override did not replace host-ports: %v", titles)
	}
}

func TestBadPoliciesFailWithFileAndLine(t *testing.T) {
	for _, tc := range []struct{ dir, want string }{
		{"testdata/policy-broken", "testdata/policy-broken/broken.rego:5: rego_parse_error"},
		{"testdata/policy-no-metadata", "testdata/policy-no-metadata/bare.rego:1"},
		{"testdata/does-not-exist", "no such file or directory"},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			_, err := New(context.Background(), Options{PolicyDirs: []string{tc.dir}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestReloadFailureKeepsLastGoodSet(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Options{PolicyDirs: []string{dir}})
	writeFile(t, dir+"/broken.rego", "package podpolicy.rules.broken\n\nviolation contains x if {\n")
	if err := e.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "broken.rego:") {
		t.Fatalf("reload of a broken file: %v", err)
	}
	if n := len(evaluate(t, e, articlePod(), "shop").WithAction(Deny)); n != 12 {
		t.Errorf("after a failed reload the engine reports %d denials, want the last good set's 12", n)
	}
}

func TestEvaluationDeadlineFailsTheRequest(t *testing.T) {
	e := newTestEngine(t, Options{PolicyDirs: []string{"testdata/policy-slow"}, EvalTimeout: 50 * time.Millisecond})
	start := time.Now()
	result, err := judge(t, e, articlePod(), Context{})
	if err == nil {
		t.Fatalf("a policy past its deadline returned %d violations and no error", len(result.Violations))
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "cancel") {
		t.Errorf("error %v does not say the deadline passed", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("evaluation took %v after a 50ms deadline", elapsed)
	}
}

// TestViolationOfTheWrongShapeAtEvaluationFails: a violation whose shape only shows at
// evaluation (built by object.union here) fails the evaluation, never reports an empty
// message; and a reload to such a rule keeps the last good set.
func TestViolationOfTheWrongShapeAtEvaluationFails(t *testing.T) {
	dir := t.TempDir()
	writeShapeRule(t, dir, "violation contains v if {\n\tv := object.union({\"path\": \"a\"}, {\"mesage\": \"m\"})\n\tinput.pod.metadata.labels.bad\n}\n")
	e := newTestEngine(t, Options{PolicyDirs: []string{dir}})
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a", "labels": map[string]any{"bad": "x"}}}
	_, err := judge(t, e, pod, Context{})
	if err == nil || !strings.Contains(err.Error(), "rule shape: violation") || !strings.Contains(err.Error(), "has the field mesage") {
		t.Errorf("error %v, want the malformed violation named", err)
	}

	good := t.TempDir()
	writeShapeRule(t, good, "violation contains {\"path\": \"metadata.labels.bad\", \"message\": \"bad label\"} if input.pod.metadata.labels.bad\n")
	e = newTestEngine(t, Options{PolicyDirs: []string{good}})
	writeShapeRule(t, good, "violation if input.pod.metadata.labels.bad\n")
	if err := e.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "shape.rego:9") {
		t.Fatalf("reload of a boolean violation: %v", err)
	}
	result, err := judge(t, e, pod, Context{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range result.Violations {
		found = found || v.Rule == "shape" && v.Message == "bad label"
	}
	if !found {
		t.Errorf("after the failed reload the last good rule is gone: %+v", result.Violations)
	}
}

// writeShapeRule writes a one-file policy directory holding the rule package shape.
func writeShapeRule(t *testing.T, dir, body string) {
	t.Helper()
	header := "# METADATA\n# title: Shape\n# custom:\n#   id: shape\n#   severity: low\n#   remediation: fix the shape\npackage podpolicy.rules.shape\n\n"
	if err := os.MkdirAll(filepath.Join(dir, "shape"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "shape", "shape.rego"), header+body)
}

// TestReloadOfAWideningConfigKeepsTheLastGood: a config the loader refuses because it would
// widen an exception (an empty selector list) does not replace the config in force on a hot
// reload; the error says why, with file and line.
func TestReloadOfAWideningConfigKeepsTheLastGood(t *testing.T) {
	config := t.TempDir() + "/config.yaml"
	writeFile(t, config, "exceptions:\n- {rule: image-tag-pinned, namespaces: [legacy], reason: being pinned}\n")
	e := newTestEngine(t, Options{ConfigFile: config})
	writeFile(t, config, "exceptions:\n- {rule: image-tag-pinned, namespaces: [], reason: being pinned}\n")
	err := e.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), "config.yaml:2: exceptions[0].namespaces: must name at least one; omit it to match every namespace") {
		t.Fatalf("reload of a widening config: %v", err)
	}
	if got := e.Config().Exceptions; len(got) != 1 || len(got[0].Namespaces) != 1 || got[0].Namespaces[0] != "legacy" {
		t.Errorf("after the refused reload the exceptions are %+v, want the last good one", got)
	}
}
