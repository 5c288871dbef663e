package library

import (
	"os"
	"path/filepath"
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
