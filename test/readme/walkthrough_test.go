package readme

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies/lint"
	"github.com/podpolicy/podpolicy/test/harness"
)

// walkthrough is the README section whose steps the tests run.
const walkthrough = "## Writing policies"

// readme returns the README's walkthrough section and the line it starts on.
func readme(t *testing.T) (string, int) {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section, line, err := Section(string(data), walkthrough)
	if err != nil {
		t.Fatal(err)
	}
	return section, line
}

// TestWalkthroughRunsOnThisMachine runs every step of the README's walkthrough that needs no
// cluster, in order, in an empty directory with the podpolicy of this tree on the PATH: each
// command must exit and print as the README shows. The cluster's steps, which
// test/e2e/walkthrough runs, come last.
func TestWalkthroughRunsOnThisMachine(t *testing.T) {
	section, line := readme(t)
	steps, err := Steps(section, line)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if _, err := harness.BuildPodpolicy(context.Background(), bin); err != nil {
		t.Fatal(err)
	}
	env := &Env{Dir: t.TempDir(), Vars: append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH")), Logf: t.Logf}
	local, cluster := 0, 0
	for _, s := range steps {
		if s.Cluster {
			cluster++
			continue
		}
		if cluster > 0 {
			t.Fatalf("README.md:%d: a step on this machine after a step on the cluster; the cluster's steps come last", s.Line)
		}
		local++
		if err := env.Run(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	if local < 8 || cluster < 3 {
		t.Errorf("the walkthrough has %d steps here and %d on the cluster; it is scaffold, cases, test, lint, check, tune here, then ship, reload and audit on the cluster", local, cluster)
	}
}

// TestTheLintChecksTableIsTheLints: the README's table of podpolicy lint's checks lists every
// check, in order, with what it finds and the Regal rule it mirrors.
func TestTheLintChecksTableIsTheLints(t *testing.T) {
	section, _ := readme(t)
	var want strings.Builder
	for _, c := range lint.Checks() {
		regal := "–"
		if c[2] != "" {
			regal = "`" + c[2] + "`"
		}
		fmt.Fprintf(&want, "| `%s` | %s | %s |\n", c[0], c[1], regal)
	}
	start := strings.Index(section, "| check | finds | Regal rule it mirrors |\n|---|---|---|\n")
	if start < 0 {
		t.Fatalf("the walkthrough has no table of lint checks; it should read:\n%s", want.String())
	}
	table := section[start:]
	table = table[strings.Index(table, "|---|---|---|\n")+len("|---|---|---|\n"):]
	if end := strings.Index(table, "\n\n"); end >= 0 {
		table = table[:end+1]
	}
	if table != want.String() {
		t.Errorf("the README's table of lint checks is not podpolicy lint's; it should read:\n%s", want.String())
	}
}

// TestMissingMatchesLinesInOrder: shown output is found line by line, in order, spaces
// squeezed, "…" standing for any text.
func TestMissingMatchesLinesInOrder(t *testing.T) {
	output := "NAME     PASS   FAIL\nreport   23     1\nsummary: 1 failed\n"
	for _, tc := range []struct {
		shown []string
		want  string
	}{
		{[]string{"NAME PASS FAIL", "report … 1"}, ""},
		{[]string{"…", "summary: 1 failed"}, ""},
		{[]string{"report … 1", "NAME PASS FAIL"}, "NAME PASS FAIL"},
		{[]string{"report 23 2"}, "report 23 2"},
		{[]string{"summary"}, "summary"},
	} {
		if got := Missing(tc.shown, output); got != tc.want {
			t.Errorf("Missing(%q) = %q, want %q", tc.shown, got, tc.want)
		}
	}
}
