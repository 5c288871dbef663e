package scaffold

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/podpolicy/podpolicy/policies/lint"
	"github.com/podpolicy/podpolicy/policies/regotest"
)

// TestANewRulePassesTestAndLintAsWritten: the three files of a new rule load, their Rego tests
// and cases pass on both evaluators with the library's, and podpolicy lint finds nothing.
func TestANewRulePassesTestAndLintAsWritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-policies")
	written, err := Rule(dir, "allowed-registries")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"allowed_registries.rego", "allowed_registries_test.rego", "allowed_registries.cases.yaml"}
	if len(written) != len(want) {
		t.Fatalf("wrote %v, want %v", written, want)
	}
	for i, path := range written {
		if path != filepath.Join(dir, "allowed_registries", want[i]) {
			t.Errorf("wrote %s, want %s", path, want[i])
		}
	}
	summary, err := regotest.Run(context.Background(), regotest.Options{PolicyDirs: []string{dir}, Run: "allowed_registries", Coverage: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !summary.OK(0) || summary.Passed != 4 || summary.CasesPassed != 4 {
		t.Errorf("podpolicy test of the new rule: %+v; want its 4 tests and 4 cases to pass on both evaluators", summary)
	}
	report, err := lint.Run([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range report.Findings {
		t.Errorf("podpolicy lint of the new rule: %s", f)
	}
	for _, path := range written[:2] {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		formatted, err := format.SourceWithOpts(path, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil || string(formatted) != string(src) {
			t.Errorf("%s is not as opa fmt writes it (%v):\n%s", path, err, formatted)
		}
	}
	rule, err := os.ReadFile(written[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"# title: Allowed registries", "#   id: allowed-registries", "package podpolicy.rules.allowed_registries", `config.rules["allowed-registries"]`} {
		if !strings.Contains(string(rule), s) {
			t.Errorf("the rule lacks %q:\n%s", s, rule)
		}
	}
}

// TestNewRuleRefusesWhatItCannotWriteSafely: a malformed ID, a built-in rule's ID, an ID the
// directory already defines, and an existing folder are refused, and nothing is overwritten.
func TestNewRuleRefusesWhatItCannotWriteSafely(t *testing.T) {
	dir := t.TempDir()
	if _, err := Rule(dir, "team-label"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "elsewhere"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "team_label"), filepath.Join(dir, "elsewhere", "team_label")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"Allowed_Registries": `rule ID "Allowed_Registries": use lowercase words joined by dashes`,
		"allowed-":           `rule ID "allowed-": use lowercase words joined by dashes`,
		"host-ports":         "rule host-ports is built in",
		"team-label":         "rule team-label is already defined, in " + filepath.Join(dir, "elsewhere", "team_label", "team_label.rego"),
		"taken":              filepath.Join(dir, "taken") + " exists: podpolicy new rule never overwrites a file",
	} {
		if _, err := Rule(dir, id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("new rule %s: error %v, want %q", id, err, want)
		}
	}
}
