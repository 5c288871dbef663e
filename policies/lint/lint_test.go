package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// wantMarker marks, in a fixture, a line the lint must find: # want: check[, check].
var wantMarker = regexp.MustCompile(`# want: ([a-z, -]+)$`)

// wanted reads the want markers of every file of a fixture directory, as file:line: check.
func wanted(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := wantMarker.FindStringSubmatch(line); m != nil {
				for _, check := range strings.Split(m[1], ",") {
					out = append(out, fmt.Sprintf("%s:%d: %s", path, i+1, strings.TrimSpace(check)))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// found runs the lint on dir and returns its findings as file:line: check.
func found(t *testing.T, dir string) []string {
	t.Helper()
	r, err := Run([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range r.Findings {
		out = append(out, fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Check))
		if f.Message == "" || f.Fix == "" || f.File == "" || f.Line == 0 {
			t.Errorf("%s: a finding lacks its place, message or fix: %+v", dir, f)
		}
	}
	slices.Sort(out)
	return out
}

// TestEachCheckFindsTheMistakeOfItsFixture: each fixture under testdata/<check> holds a rule
// with the mistake and marks each line the lint must find (# want: check); the lint finds
// exactly those, and every check has a fixture that wants it.
func TestEachCheckFindsTheMistakeOfItsFixture(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, dir := range dirs {
		if filepath.Base(dir) == "lint-ignore" {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := wanted(t, dir)
			if len(want) == 0 {
				t.Fatalf("the fixture %s marks no finding", dir)
			}
			if got := found(t, dir); !slices.Equal(got, want) {
				t.Errorf("findings\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			for _, w := range want {
				covered[w[strings.LastIndex(w, " ")+1:]] = true
			}
		})
	}
	covered["lint-ignore-without-reason"], covered["lint-ignore-unknown-check"], covered["lint-ignore-unused"] = true, true, true
	for _, c := range allChecks() {
		if !covered[c.id] {
			t.Errorf("no fixture shows what check %s finds", c.id)
		}
	}
}

// TestLintIgnoreNeedsAReasonAndANamedCheck: a directive with a reason silences the finding
// below it; one without a reason silences nothing and is a finding; one naming no check, or
// silencing nothing, is a finding.
func TestLintIgnoreNeedsAReasonAndANamedCheck(t *testing.T) {
	file := filepath.Join("testdata", "lint-ignore", "ignored", "ignored.rego")
	want := []string{
		file + ":19: constant-condition",
		file + ":19: lint-ignore-without-reason",
		file + ":23: lint-ignore-unknown-check",
		file + ":27: lint-ignore-unused",
	}
	if got := found(t, filepath.Join("testdata", "lint-ignore")); !slices.Equal(got, want) {
		t.Errorf("findings\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestTheLibraryIsClean: podpolicy's own library has no finding, embedded or as the directory
// make lint lints (a finding there is a bug of the library or of the lint).
func TestTheLibraryIsClean(t *testing.T) {
	for _, dirs := range [][]string{nil, {"../rego"}} {
		r, err := Run(dirs)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings {
			t.Errorf("%v: %s", dirs, f)
		}
		if len(r.Files) < 80 {
			t.Errorf("%v: linted %d files, want the library's 80 or more", dirs, len(r.Files))
		}
	}
}

// TestUnreadablePoliciesAreErrors: a directory that is not there, or Rego that does not parse,
// is an error (podpolicy lint's exit 2), not a clean run.
func TestUnreadablePoliciesAreErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.rego"), []byte("package podpolicy.rules.broken\n\nviolation contains x if {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "missing"), dir} {
		if _, err := Run([]string{d}); err == nil {
			t.Errorf("lint of %s: no error", d)
		}
	}
}

// TestFormatVerbsCountArgumentsAsGoDoes: %% takes none, * takes one more, %[n] picks one.
func TestFormatVerbsCountArgumentsAsGoDoes(t *testing.T) {
	for format, want := range map[string]int{
		"container %q uses %s":    2,
		"100%% of %d":             1,
		"%d%% of them, %[1]d":     1,
		"%*d":                     2,
		"%[2]s before %[1]s":      2,
		"%-10s|%5.2f":             2,
		"no verbs, just a % sign": 1,
	} {
		if _, got := formatVerbs(format); got != want {
			t.Errorf("formatVerbs(%q) needs %d arguments, want %d", format, got, want)
		}
	}
}
