package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCheckExitCodes(t *testing.T) {
	bad := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(bad, []byte("rules:\n  no-such-rule: {action: warn}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"denied", []string{"check", "-f", "../../examples/web-server-pod.yaml"}, 1, ""},
		{"clean", []string{"check", "-f", "../../examples/web-server-pod-fixed.yaml", "-f", "../../examples/job.yaml"}, 0, ""},
		{"warn only", []string{"check", "-f", "../../examples/pod-shared-process-namespace.yaml"}, 0, ""},
		{"missing file wins over denial", []string{"check", "-f", "../../examples/web-server-pod.yaml", "-f", "nope.yaml"}, 2, ""},
		{"no -f", []string{"check"}, 2, "give the manifests with -f"},
		{"bad output", []string{"check", "-f", "-", "-o", "xml"}, 2, `-o "xml"`},
		{"unknown flag", []string{"check", "--frobnicate"}, 2, "flag provided but not defined"},
		{"bad config", []string{"check", "-f", "../../examples", "--config", bad}, 2, `config.yaml:2: rules.no-such-rule: unknown rule ID`},
		{"bad policy dir", []string{"check", "-f", "../../examples", "--policy-dir", "../../policies/testdata/policy-broken"}, 2, "broken.rego:5"},
		{"unknown command", []string{"chekc"}, 2, `unknown command "chekc"`},
		{"removed apiVersion", []string{"check", "-f", "testdata/removed-version.yaml", "-o", "json"}, 2, "removed-version.yaml:1: apiVersion: extensions/v1beta1 Deployment is no longer served (removed in Kubernetes 1.16); use apiVersion apps/v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}

func TestCheckReadsStdinAsJSON(t *testing.T) {
	manifest, err := os.ReadFile("../../examples/web-server-pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCLI(t, string(manifest), "check", "-f", "-", "-o", "json")
	var out struct {
		Results []struct {
			Source     string
			Violations []struct{ Rule string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if code != 1 || len(out.Results) != 1 || out.Results[0].Source != "-#0" || len(out.Results[0].Violations) != 12 {
		t.Errorf("exit %d, output %s", code, stdout)
	}
}

func TestTestCommand(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--coverage", "../../policies/testdata/policy-extra")
	if code != 0 || !strings.Contains(stdout, "PASS: ") || !strings.Contains(stdout, "total") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "test", "testdata/failing-tests")
	if code != 1 || !strings.Contains(stdout, "test_deny_fails_on_purpose: FAIL") {
		t.Errorf("a failing test: exit %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, "", "test", "../../policies/testdata/policy-broken")
	if code != 2 || !strings.Contains(stderr, "broken.rego:5") {
		t.Errorf("a broken policy: exit %d, %s", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(stdout, "podpolicy ") || !strings.Contains(stdout, "opa 1.22") {
		t.Errorf("exit %d: %s", code, stdout)
	}
}

// privilegedDeployment is a Deployment with a privileged container and init container.
const privilegedDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: a, image: registry.example.com/a:1.0, securityContext: {privileged: true}}
      initContainers:
      - {name: b, image: registry.example.com/b:1.0}
      - {name: c, image: registry.example.com/c:1.0, securityContext: {privileged: true}}
`

// TestWalkPolicyFiresIdenticallyInCheckAndTest: a policy-dir rule built on walk reports both
// privileged containers with the compiled evaluator (the default) and with topdown, and its
// Rego tests pass on both.
func TestWalkPolicyFiresIdenticallyInCheckAndTest(t *testing.T) {
	outputs := map[string]string{}
	for _, evaluator := range []string{"auto", "topdown"} {
		code, stdout, stderr := runCLI(t, privilegedDeployment, "check", "-f", "-", "-o", "json", "--evaluator", evaluator, "--policy-dir", "../../policies/testdata/policy-walk")
		var out struct {
			Evaluator string
			Results   []struct {
				Violations []struct{ Rule, Path string }
			}
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 1 || len(out.Results) != 1 {
			t.Fatalf("%s: exit %d, %v: %s %s", evaluator, code, err, stdout, stderr)
		}
		var paths []string
		for _, v := range out.Results[0].Violations {
			if v.Rule == "privileged-anywhere" {
				paths = append(paths, v.Path)
			}
		}
		want := "spec.template.spec.containers[0].securityContext.privileged spec.template.spec.initContainers[1].securityContext.privileged"
		if strings.Join(paths, " ") != want {
			t.Errorf("%s: privileged-anywhere at %v, want %s", evaluator, paths, want)
		}
		if wantEvaluator := map[string]string{"auto": "compiled", "topdown": "topdown"}[evaluator]; out.Evaluator != wantEvaluator {
			t.Errorf("--evaluator %s: report says %q, want %q", evaluator, out.Evaluator, wantEvaluator)
		}
		outputs[evaluator] = strings.Replace(stdout, `"evaluator": "`+out.Evaluator+`"`, "", 1)
	}
	if outputs["auto"] != outputs["topdown"] {
		t.Errorf("the reports differ beyond the evaluator:\n%s\n%s", outputs["auto"], outputs["topdown"])
	}
	code, stdout, _ := runCLI(t, "", "test", "../../policies/testdata/policy-walk")
	if code != 0 || !strings.Contains(stdout, "tests run on the compiled evaluator") || !strings.Contains(stdout, "OPA's topdown agrees on all") {
		t.Errorf("podpolicy test: exit %d\n%s", code, stdout)
	}
}

// TestCheckSaysWhichEvaluatorRuns: a policy directory the compiled evaluator refuses runs on
// topdown, and -o json says so and why; forcing the compiled evaluator fails to load it.
func TestCheckSaysWhichEvaluatorRuns(t *testing.T) {
	dir := "../../policies/testdata/policy-topdown"
	code, stdout, stderr := runCLI(t, "", "check", "-f", "../../examples/web-server-pod-fixed.yaml", "-o", "json", "--policy-dir", dir)
	var out struct{ Evaluator, EvaluatorFallback string }
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s %s", code, err, stdout, stderr)
	}
	if out.Evaluator != "topdown" || !strings.Contains(out.EvaluatorFallback, "built-in opa.runtime") {
		t.Errorf("report: evaluator %q, fallback %q", out.Evaluator, out.EvaluatorFallback)
	}
	code, _, stderr = runCLI(t, "", "check", "-f", "../../examples/web-server-pod-fixed.yaml", "--policy-dir", dir, "--evaluator", "compiled")
	if code != 2 || !strings.Contains(stderr, "built-in opa.runtime") {
		t.Errorf("--evaluator compiled: exit %d, %s", code, stderr)
	}
	code, stdout, _ = runCLI(t, "", "test", dir)
	if code != 0 || !strings.Contains(stdout, "tests run on OPA's topdown") || !strings.Contains(stdout, "opa.runtime") {
		t.Errorf("podpolicy test: exit %d\n%s", code, stdout)
	}
}

// TestPostRenderPassesACompliantReleaseAndRefusesAViolatingOne: the manifests of a release
// with nothing denied come out byte for byte; one denied object fails the whole release with
// every object's violations, in the release's namespace.
func TestPostRenderPassesACompliantReleaseAndRefusesAViolatingOne(t *testing.T) {
	good, err := os.ReadFile("../../examples/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rendered := "---\n# Source: web/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n---\n# Source: web/templates/deployment.yaml\n" + string(good)
	code, stdout, stderr := runCLI(t, rendered, "post-render")
	if code != 0 || stdout != rendered {
		t.Errorf("a compliant release: exit %d, output changed: %q\n%s", code, stdout, stderr)
	}
	bad, err := os.ReadFile("../../examples/deployment-unbounded.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, rendered+"---\n"+string(bad)+"---\n"+string(bad), "post-render", "--namespace", "shop")
	if code != 1 || stdout != "" {
		t.Errorf("a violating release: exit %d, output %q", code, stdout)
	}
	mustHave := []string{"podpolicy refuses the release; nothing was created:", "Deployment shop/api: denied", "[image-tag-pinned]", "3 objects checked: 2 denied"}
	for _, want := range mustHave {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	code, _, stderr = runCLI(t, "kind: Pod\nmetadata: [", "post-render")
	if code != 2 || !strings.Contains(stderr, "rendered:") {
		t.Errorf("broken manifests: exit %d\n%s", code, stderr)
	}
}

// TestCheckAtADate: check --at judges as of a date: a warn rule with enforceFrom warns before
// it and denies from it.
func TestCheckAtADate(t *testing.T) {
	config := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(config, []byte("rules:\n  image-tag-pinned: {action: warn, enforceFrom: \"2027-03-01\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec:\n  containers: [{name: a, image: \"nginx:latest\"}]\n"
	code, stdout, _ := runCLI(t, pod, "check", "-f", "-", "--config", config, "--at", "2027-02-28")
	if !strings.Contains(stdout, "warn [image-tag-pinned]") || !strings.Contains(stdout, "this will be denied from 2027-03-01") {
		t.Errorf("--at 2027-02-28: exit %d\n%s", code, stdout)
	}
	_, stdout, _ = runCLI(t, pod, "check", "-f", "-", "--config", config, "--at", "2027-03-02")
	if !strings.Contains(stdout, "deny [image-tag-pinned]") {
		t.Errorf("--at 2027-03-02:\n%s", stdout)
	}
	if code, _, stderr := runCLI(t, pod, "check", "-f", "-", "--at", "tomorrow"); code != 2 || !strings.Contains(stderr, `--at: "tomorrow" is neither a date`) {
		t.Errorf("--at tomorrow: exit %d, %s", code, stderr)
	}
}

// TestHelpExitsZeroAndNamespaceHasItsShortForm: -h and --help of every command print its
// usage and exit 0, as every CLI does; -n is --namespace, as in kubectl and helm.
func TestHelpExitsZeroAndNamespaceHasItsShortForm(t *testing.T) {
	for _, command := range []string{"check", "audit", "test", "lint", "new", "post-render", "serve", "uninstall-webhooks"} {
		for _, flag := range []string{"-h", "--help"} {
			code, _, stderr := runCLI(t, "", command, flag)
			if code != 0 || !strings.Contains(stderr, "Usage: podpolicy "+command) {
				t.Errorf("podpolicy %s %s: exit %d, output %q; want exit 0 and the usage", command, flag, code, stderr)
			}
		}
	}
	manifest := "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: web, image: nginx:latest}]\n"
	for _, args := range [][]string{{"-n", "shop"}, {"--namespace", "shop"}, {"--namespace=shop"}} {
		code, stdout, stderr := runCLI(t, manifest, append([]string{"check", "-f", "-"}, args...)...)
		if code != 1 || !strings.Contains(stdout, "Pod shop/web: denied") {
			t.Errorf("check %v: exit %d, %s%s; want the Pod judged in namespace shop", args, code, stdout, stderr)
		}
	}
}

// TestTestRefusesANestedRulePackage: `podpolicy test` never passes the tests of a rule the
// engine would not load.
func TestTestRefusesANestedRulePackage(t *testing.T) {
	dir := t.TempDir() + "/acme"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rule := "# METADATA\n# title: No privileged\n# custom:\n#   id: no-privileged\n#   severity: high\n#   remediation: drop it\npackage podpolicy.rules.acme.no_privileged\n\nviolation contains {\"path\": \"a\", \"message\": \"m\"} if input.pod.x\n"
	test := "package podpolicy.rules.acme.no_privileged_test\n\nimport data.podpolicy.rules.acme.no_privileged\n\ntest_deny if no_privileged.violation with input as {\"pod\": {\"x\": true}}\n"
	for name, src := range map[string]string{"no_privileged.rego": rule, "no_privileged_test.rego": test} {
		if err := os.WriteFile(dir+"/"+name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCLI(t, "", "test", dir+"/..")
	if code == 0 || !strings.Contains(stderr, "no_privileged.rego:7") || strings.Contains(stdout, "PASS") {
		t.Errorf("podpolicy test of a nested rule package: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestCheckJudgesWhatKubectlWouldCreate: the streams of the review that kubectl and helm read
// apart from a YAML library: a privileged hostPID Pod followed by a `---#x: y` line and a
// ConfigMap; a compliant Deployment carrying `items:` with a privileged host-network
// DaemonSet (any object with items is a list to kubectl); two JSON objects one after the
// other. check judges each object kubectl would create.
func TestCheckJudgesWhatKubectlWouldCreate(t *testing.T) {
	for _, tc := range []struct {
		name, stream string
		denied       []string
	}{
		{"a separator with a comment", "apiVersion: v1\nkind: Pod\nmetadata: {name: node-shell}\nspec:\n  hostPID: true\n  containers: [{name: shell, image: alpine:3.20, securityContext: {privileged: true}}]\n---#x: y\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
			[]string{"Pod default/node-shell: denied"}},
		{"items on a Deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nitems:\n- apiVersion: apps/v1\n  kind: DaemonSet\n  metadata: {name: agent}\n  spec:\n    selector: {matchLabels: {app: agent}}\n    template:\n      metadata: {labels: {app: agent}}\n      spec:\n        hostNetwork: true\n        containers: [{name: agent, image: agent:1.0, securityContext: {privileged: true}}]\n",
			[]string{"DaemonSet default/agent: denied"}},
		{"a JSON stream", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "a", "image": "a:latest"}]}}` + "\n" + `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}, "spec": {"containers": [{"name": "b", "image": "b:latest"}]}}` + "\n",
			[]string{"Pod default/a: denied", "Pod default/b: denied"}},
	} {
		code, stdout, stderr := runCLI(t, tc.stream, "check", "-f", "-")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1 (denied)\n%s%s", tc.name, code, stdout, stderr)
		}
		for _, want := range tc.denied {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, want, stdout)
			}
		}
	}
}
