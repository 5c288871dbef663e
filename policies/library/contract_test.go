package library

import (
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

// load loads and compiles the library with the policy directory dir laid over it.
func load(dir string) error {
	lib, err := Load([]string{dir})
	if err != nil {
		return err
	}
	_, _, err = lib.Compile()
	return err
}

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
			err := load(dir)
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
		if err := load(dir); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// TestNestedRulePackageIsALoadError: a rule in a package below podpolicy.rules.<name> would
// load and never fire (the entry point gathers one level); it is refused, naming its file and
// line and the name to use.
func TestNestedRulePackageIsALoadError(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "acme"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "# METADATA\n# title: No privileged\n# custom:\n#   id: no-privileged\n#   severity: high\n#   remediation: drop it\npackage podpolicy.rules.acme.no_privileged\n\nviolation contains {\"path\": \"a\", \"message\": \"m\"} if input.pod.x\n"
	if err := os.WriteFile(filepath.Join(dir, "acme", "no_privileged.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	err := load(dir)
	want := "no_privileged.rego:7: rego_compile_error: package data.podpolicy.rules.acme.no_privileged: a rule is a package one level below podpolicy.rules, which the engine gathers; name it podpolicy.rules.acme_no_privileged"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v\nwant %s", err, want)
	}
}
