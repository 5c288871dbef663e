package library

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRulesDeclareTheirSettingsInMetadata: custom.settings maps each setting to its default;
// anything else, or a setting the engine owns, is a load error at the METADATA block.
func TestRulesDeclareTheirSettingsInMetadata(t *testing.T) {
	const header = "# METADATA\n# title: Registries\n# custom:\n#   id: shape\n#   severity: low\n#   remediation: pull from an allowed registry\n"
	const body = "package podpolicy.rules.shape\n\nviolation contains {\"path\": \"containers\", \"message\": \"m\"} if input.pod.spec.x\n"
	dir := t.TempDir()
	writeRaw(t, dir, header+"#   settings:\n#     allowedRegistries: [registry.example.com]\n"+body)
	lib, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	_, cat, err := lib.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.Settings()["shape"]["allowedRegistries"]; len(got.([]any)) != 1 || got.([]any)[0] != "registry.example.com" {
		t.Errorf("settings %v", cat.Settings())
	}
	for settings, want := range map[string]string{
		"#   settings: [a, b]\n":              "shape.rego:1: rego_compile_error: package data.podpolicy.rules.shape: METADATA custom.settings must map each setting to its default",
		"#   settings:\n#     action: warn\n": "METADATA custom.settings.action: action is set in the config (rules.<id>.action), not declared by the rule",
	} {
		writeRaw(t, dir, header+settings+body)
		if err := load(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("settings %q: error %v, want %q", settings, err, want)
		}
	}
}

// writeRaw writes src as the one rule file of the policy directory dir.
func writeRaw(t *testing.T, dir, src string) {
	t.Helper()
	writeRule(t, dir, "")
	if err := os.WriteFile(filepath.Join(dir, "shape", "shape.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestADirectoryReplacesARuleWithItsTests: a directory's module of a built-in rule's package
// replaces the rule and drops the built-in tests of it, which test the rule no longer loaded;
// a directory's test package replaces the built-in one of that name.
func TestADirectoryReplacesARuleWithItsTests(t *testing.T) {
	lib, err := Load([]string{"../testdata/policy-override"})
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range lib.Tests {
		if m.Package.Path.String() == "data.podpolicy.rules.host_ports_test" {
			t.Errorf("the built-in tests of the replaced rule host-ports are still loaded (%s)", name)
		}
	}
	if lib.Builtin("data.podpolicy.rules.host_ports") || !lib.Builtin("data.podpolicy.rules.host_probes") {
		t.Errorf("host_ports should be the directory's, host_probes the library's")
	}
	lib, err = Load([]string{"../rego"})
	if err != nil {
		t.Fatal(err)
	}
	packages := map[string]int{}
	for _, m := range lib.Tests {
		packages[m.Package.Path.String()]++
	}
	if n := packages["data.podpolicy.rules.host_ports_test"]; n != 1 {
		t.Errorf("with the library as a directory, host_ports_test is loaded %d times, want once", n)
	}
}

// TestLoadPoliciesReadsTheDirectoriesTestsOnly: the engine's load has the library's policy
// modules without its tests, still reads a directory's tests, and refuses one that does not
// parse, naming its file.
func TestLoadPoliciesReadsTheDirectoriesTestsOnly(t *testing.T) {
	full, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	policies, err := LoadPolicies(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Tests) == 0 || len(policies.Tests) != 0 {
		t.Errorf("Load read %d tests and LoadPolicies %d; want the library's tests and none", len(full.Tests), len(policies.Tests))
	}
	if !slices.Equal(full.FileNames(), policies.FileNames()) {
		t.Errorf("LoadPolicies has the modules %v, Load %v", policies.FileNames(), full.FileNames())
	}
	withTest, err := LoadPolicies([]string{"../rego"})
	if err != nil {
		t.Fatal(err)
	}
	if len(withTest.Tests) == 0 {
		t.Error("LoadPolicies left out the policy directory's tests")
	}
	dir := t.TempDir()
	writeRule(t, dir, "violation contains {\"path\": \"spec\", \"message\": \"m\"} if false\n")
	broken := filepath.Join(dir, "shape", "shape_test.rego")
	if err := os.WriteFile(broken, []byte("package podpolicy.rules.shape_test\n\ntest_x if {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPolicies([]string{dir}); err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("a test that does not parse: %v, want an error naming %s", err, broken)
	}
}
