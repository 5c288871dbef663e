package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNewRulePrintsWhatItWroteAndTheNextCommands: podpolicy new rule writes the rule's folder,
// says what it wrote and the next three commands, which then pass; a bad ID exits 2.
func TestNewRulePrintsWhatItWroteAndTheNextCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-policies")
	code, stdout, stderr := runCLI(t, "", "new", "rule", "no-latest-images", "--dir", dir)
	for _, want := range []string{
		"wrote " + filepath.Join(dir, "no_latest_images", "no_latest_images.rego"),
		"wrote " + filepath.Join(dir, "no_latest_images", "no_latest_images_test.rego"),
		"wrote " + filepath.Join(dir, "no_latest_images", "no_latest_images.cases.yaml"),
		"podpolicy test " + dir, "podpolicy lint " + dir, "podpolicy check -f YOUR-MANIFESTS --policy-dir " + dir,
	} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, output lacks %q:\n%s%s", code, want, stdout, stderr)
		}
	}
	if code, stdout, _ := runCLI(t, "", "lint", dir); code != 0 {
		t.Errorf("podpolicy lint of the new rule: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := runCLI(t, "", "new", "rule", "Bad_ID"); code != 2 || !strings.Contains(stderr, `rule ID "Bad_ID"`) {
		t.Errorf("a bad ID: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "new", "policy", "x"); code != 2 || !strings.Contains(stderr, "podpolicy new rule ID") {
		t.Errorf("new policy: exit %d, %s", code, stderr)
	}
}
