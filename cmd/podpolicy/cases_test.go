package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestTestRunsCasesBesideTheRegoTests: podpolicy test runs the library's manifest cases and a
// policy directory's, fails a case whose expectation is wrong, naming it with what it wanted
// and got, lists every case with -v, selects cases with --run and counts them in coverage.
func TestTestRunsCasesBesideTheRegoTests(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test")
	if code != 0 || !regexp.MustCompile(`CASES PASS: (\d+)/(\d+)\n`).MatchString(stdout) || !strings.Contains(stdout, "OPA's topdown agrees on all") {
		t.Fatalf("the library's cases: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "test", "testdata/failing-case")
	for _, want := range []string{
		"testdata/failing-case/wrong.cases.yaml:3: a latest image is denied by security-privileged alone: FAIL",
		"deny: want [security-privileged], got [image-tag-pinned, security-privileged]",
		`[image-tag-pinned] container "web": image "registry.example.com/shop/web:latest" uses the tag latest (spec.containers[0].image)`,
		"CASES FAIL: 1/",
	} {
		if code != 1 || !strings.Contains(stdout, want) {
			t.Errorf("a wrong expectation: exit %d, output lacks %q:\n%s", code, want, stdout)
		}
	}
	code, stdout, _ = runCLI(t, "", "test", "-v", "--run", "team_label", "../../policies/cases/testdata/team-label")
	if code != 0 || !strings.Contains(stdout, "team_label.cases.yaml:15: a Deployment without a team label is denied: PASS") || !strings.Contains(stdout, "CASES PASS: 3/3") {
		t.Errorf("-v --run team_label: exit %d\n%s", code, stdout)
	}
	// team-label has no Rego test: its coverage comes from its cases alone.
	code, stdout, _ = runCLI(t, "", "test", "--coverage", "--run", "team_label", "../../policies/cases/testdata/team-label")
	if code != 0 || !regexp.MustCompile(`100\.0%\s+\S*team_label/team_label\.rego`).MatchString(stdout) {
		t.Errorf("coverage of a rule tested by cases alone: exit %d\n%s", code, stdout)
	}
}
