package policies

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const contractHeader = `# METADATA
# title: Shape
# custom:
#   id: shape
#   severity: low
#   remediation: fix the shape
package podpolicy.rules.shape

`

// writeRule writes a one-file policy directory holding the rule package shape.
func writeRule(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "shape"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shape", "shape.rego"), []byte(contractHeader+body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRuleOfTheWrongShapeIsALoadError: a custom rule whose violation or patch does not have
// the contract's shape fails to load, naming the file, the line and what is wrong.
func TestRuleOfTheWrongShapeIsALoadError(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"string violation", "violation contains \"no team label\" if input.pod\n",
			`shape.rego:9: rego_compile_error: rule data.podpolicy.rules.shape: violation holds "no team label", not objects {path, message, container, fix}`},
		{"boolean violation", "violation if input.pod\n",
			"shape.rego:9: rego_compile_error: rule data.podpolicy.rules.shape: violation must be a set of objects {path, message, container, fix}; it is boolean"},
		{"number violation", "violation := 3\n",
			"shape.rego:9: rego_compile_error: rule data.podpolicy.rules.shape: violation must be a set of objects {path, message, container, fix}; it is number"},
		{"numeric path", "violation contains {\"path\": 7, \"message\": \"m\"} if input.pod\n",
			"shape.rego:9: rego_compile_error: rule data.podpolicy.rules.shape: violation field path is 7; it must be a string"},
		{"misspelt field, second rule", "violation contains {\"path\": \"a\", \"message\": \"m\"} if input.pod.a\n\nviolation contains {\"path\": \"a\", \"mesage\": \"m\"} if input.pod.b\n",
			`shape.rego:11: rego_compile_error: rule data.podpolicy.rules.shape: violation has the field "mesage"; its fields are {path, message, container, fix}`},
		{"message from a number", "violation contains {\"path\": \"a\", \"message\": count(input.pod.spec.containers)} if input.pod\n",
			"shape.rego:9: rego_compile_error: rule data.podpolicy.rules.shape: violation field message is number; it must be a string"},
		{"patch of strings", "patch contains \"add a label\" if input.pod\n",
			`shape.rego:9: rego_compile_error: rule data.podpolicy.rules.shape: patch holds "add a label", not objects {op, path, value, from}`},
		{"patch without op", "patch contains {\"path\": \"/metadata/labels/a\", \"value\": \"b\"} if input.pod\n",
			"shape.rego:9: rego_compile_error: rule data.podpolicy.rules.shape: patch lacks the field op; its fields are {op, path, value, from}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeRule(t, dir, tc.body)
			_, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestRulesOfTheContractsShapeLoad: the library's rules and custom ones of every allowed
// form load, including a patch written as an array and a violation built at evaluation.
func TestRulesOfTheContractsShapeLoad(t *testing.T) {
	for _, body := range []string{
		"violation contains {\"container\": c.name, \"path\": \"containers\", \"message\": sprintf(\"%v\", [c.image]), \"fix\": \"pin it\"} if {\n\tsome c in input.pod.spec.containers\n}\n",
		"violation contains v if {\n\tv := object.union({\"path\": \"a\"}, {\"message\": \"m\"})\n\tinput.pod.x\n}\n",
		"patch := [{\"op\": \"add\", \"path\": \"/metadata/labels/a\", \"value\": \"b\"}] if input.pod.x\n",
	} {
		dir := t.TempDir()
		writeRule(t, dir, body)
		if _, err := New(context.Background(), Options{PolicyDirs: []string{dir}}); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// TestViolationOfTheWrongShapeAtEvaluationFails: a violation whose shape only shows at
// evaluation (built by object.union here) fails the evaluation, never reports an empty
// message; and a reload to such a rule keeps the last good set.
func TestViolationOfTheWrongShapeAtEvaluationFails(t *testing.T) {
	dir := t.TempDir()
	writeRule(t, dir, "violation contains v if {\n\tv := object.union({\"path\": \"a\"}, {\"mesage\": \"m\"})\n\tinput.pod.metadata.labels.bad\n}\n")
	e := newTestEngine(t, Options{PolicyDirs: []string{dir}})
	in, err := newInput(t, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a", "labels": map[string]any{"bad": "x"}}}, "CREATE")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Evaluate(context.Background(), in, Validate)
	if err == nil || !strings.Contains(err.Error(), "rule shape: violation") || !strings.Contains(err.Error(), "has the field mesage") {
		t.Errorf("error %v, want the malformed violation named", err)
	}

	good := t.TempDir()
	writeRule(t, good, "violation contains {\"path\": \"metadata.labels.bad\", \"message\": \"bad label\"} if input.pod.metadata.labels.bad\n")
	e = newTestEngine(t, Options{PolicyDirs: []string{good}})
	writeRule(t, good, "violation if input.pod.metadata.labels.bad\n")
	if err := e.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "shape.rego:9") {
		t.Fatalf("reload of a boolean violation: %v", err)
	}
	in, _ = newInput(t, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a", "labels": map[string]any{"bad": "x"}}}, "CREATE")
	result, err := e.Evaluate(context.Background(), in, Validate)
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
