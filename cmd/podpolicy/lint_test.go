package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLintExitCodesAndOutputs: exit 0 on the library, 1 with findings (each file:line: [check]
// message; fix), 2 when the policies cannot be read; -o json prints the findings.
func TestLintExitCodesAndOutputs(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "lint")
	if code != 0 || !strings.Contains(stdout, "0 findings") {
		t.Errorf("lint of the library: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "lint", "../../policies/lint/testdata/path-from-object-root")
	if code != 1 || !strings.Contains(stdout, `root_path.rego:11: [path-from-object-root] path "spec.hostAliases" is written from the object's root`) || !strings.Contains(stdout, `fix: write it from the pod spec: "hostAliases"`) {
		t.Errorf("lint of a fixture: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "", "lint", "-o", "json", "../../policies/lint/testdata/impossible-not")
	var report struct {
		Findings []struct{ File, Check, Regal, Fix string }
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != 1 || len(report.Findings) != 1 || report.Findings[0].Check != "impossible-not" || report.Findings[0].Regal != "impossible-not" {
		t.Errorf("-o json: exit %d, %v\n%s", code, err, stdout)
	}
	for _, args := range [][]string{{"lint", "no-such-dir"}, {"lint", "../../policies/testdata/policy-broken"}, {"lint", "-o", "xml"}} {
		if code, _, stderr := runCLI(t, "", args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, %q; want 2 and the reason", args, code, stderr)
		}
	}
}
