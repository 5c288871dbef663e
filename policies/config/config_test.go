package config

import (
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies/rego"
)

// builtinRuleIDs are the IDs of the embedded library's rules, read from its folder names
// (package image_tag_pinned in rules/image_tag_pinned is rule image-tag-pinned), so that the
// config is tested without compiling the Rego.
func builtinRuleIDs(t testing.TB) []string {
	t.Helper()
	entries, err := fs.ReadDir(rego.FS, "podpolicy/rules")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() {
			ids = append(ids, strings.ReplaceAll(path.Base(e.Name()), "_", "-"))
		}
	}
	slices.Sort(ids)
	return ids
}

// builtinSchema is the embedded library's schema.
func builtinSchema(t testing.TB) Schema {
	t.Helper()
	s, err := BuiltinSchema(builtinRuleIDs(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// load loads a config file against the embedded library's schema.
func load(t testing.TB, file string) (*Config, error) {
	t.Helper()
	return Load(file, builtinSchema(t))
}

// mustLoad loads a config file or fails the test.
func mustLoad(t testing.TB, file string) *Config {
	t.Helper()
	c, err := load(t, file)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBadConfigNamesEveryProblemWithLine(t *testing.T) {
	_, err := load(t, "testdata/bad.yaml")
	if err == nil {
		t.Fatal("a bad config loaded")
	}
	for _, want := range []string{
		`bad.yaml:1: exemptNamespaces: expected a list of strings, got str "kube-system"`,
		`bad.yaml:3: rules.image-tag-pined: unknown rule ID "image-tag-pined"`,
		`bad.yaml:4: rules.host-ports.action: action "block" is not one of deny, warn, audit, off`,
		`bad.yaml:4: rules.host-ports.alowed: unknown setting of rule host-ports (known: allowed)`,
		`bad.yaml:5: rules.security-capabilities.allowedAdd: expected a list, got str "NET_RAW"`,
		`bad.yaml:7: exceptions[0]: reason is required`,
		`bad.yaml:10: mutation.labels.version: label values must be strings (quote them), got int "2"`,
		`bad.yaml:11: mutation.defaultContainer.enabled: expected true or false, got "yes"`,
		`bad.yaml:12: unknownTopLevel: unknown field`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain\n  %s\nerror:\n%v", want, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, config, want string }{
		{"unparsable", "rules: [", "config"},
		{"exception of unknown rule", "exceptions:\n- {rule: nope, reason: r}\n", `exceptions[0].rule: unknown rule ID "nope"`},
		{"bad expiry", "exceptions:\n- {rule: host-ports, reason: r, expires: soon}\n", `exceptions[0].expires: "soon" is neither a date`},
		{"empty reason", "exceptions:\n- {rule: host-ports, reason: \" \"}\n", "exceptions[0].reason: must say why"},
		{"not a mapping", "- a\n", "expected a mapping, got a list"},
		{"switch that is not a boolean", "rules:\n  security-seccomp: {requireProfile: \"no\"}\n", `rules.security-seccomp.requireProfile: expected true or false, got str "no"`},
		{"missing file", "", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := t.TempDir() + "/config.yaml"
			if tc.config != "" {
				writeFile(t, path, tc.config)
			}
			_, err := load(t, path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEmptyConfigMeansDefaults(t *testing.T) {
	path := t.TempDir() + "/config.yaml"
	writeFile(t, path, "# nothing configured\n")
	c := mustLoad(t, path)
	if got := c.Action("share-process-namespace"); got != Warn {
		t.Errorf("share-process-namespace action %q, want the default warn", got)
	}
	if !c.Exempt("kube-system") {
		t.Error("kube-system is not exempt by default")
	}
}

// TestModeAdminsAreReadAndChecked: modeAdmins defaults to the cluster admins' group, adds a
// user config's lists to it (the rule the chart's ValidatingAdmissionPolicy is rendered by),
// and refuses a service account not written namespace/name.
func TestModeAdminsAreReadAndChecked(t *testing.T) {
	if got := mustLoad(t, "").ModeAdmins; !got.Include("bob", []string{"system:masters"}) || got.Include("tenant", nil) {
		t.Errorf("default modeAdmins %+v", got)
	}
	dir := t.TempDir()
	good := dir + "/good.yaml"
	if err := os.WriteFile(good, []byte("modeAdmins:\n  users: [alice]\n  serviceAccounts: [gitops/deployer]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	admins := mustLoad(t, good).ModeAdmins
	if !admins.Include("alice", nil) || !admins.Include("system:serviceaccount:gitops:deployer", nil) || !admins.Include("bob", []string{"system:masters"}) || admins.Include("tenant", []string{"system:authenticated"}) {
		t.Errorf("configured modeAdmins %+v", admins)
	}
	bad := dir + "/bad.yaml"
	if err := os.WriteFile(bad, []byte("modeAdmins:\n  serviceAccounts: [deployer]\n  owners: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := load(t, bad)
	for _, want := range []string{"bad.yaml:2: modeAdmins.serviceAccounts[0]: a service account is namespace/name, got \"deployer\"", "bad.yaml:3: modeAdmins.owners: unknown field"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

// TestEmptySelectorListsAreRefused: an exception's selector list that is empty (a Helm value
// rendered empty) would match everything, and an empty pattern nothing; a setting whose
// emptiness would turn its rule off is refused too, each at its line, saying what to write.
func TestEmptySelectorListsAreRefused(t *testing.T) {
	for config, want := range map[string]string{
		"exceptions:\n- {rule: host-ports, namespaces: [], reason: r}\n":                              "config.yaml:2: exceptions[0].namespaces: must name at least one; omit it to match every namespace",
		"exceptions:\n- rule: host-ports\n  names: []\n  reason: r\n":                                 "config.yaml:3: exceptions[0].names: must name at least one; omit it to match every name",
		"exceptions:\n- {rule: host-ports, reason: r}\n- {rule: host-ports, images: [], reason: r}\n": "config.yaml:3: exceptions[1].images: must name at least one; omit it to match every image",
		"exceptions:\n- {rule: host-ports, namespaces: [\"\"], reason: r}\n":                          "config.yaml:2: exceptions[0].namespaces[0]: an empty pattern matches no namespace (a value rendered empty?); write * to match every namespace",
		"rules:\n  probes-required: {probes: []}\n":                                                   "config.yaml:2: rules.probes-required.probes: must name at least one; an empty list would turn the rule off: set its action to off instead",
		"rules:\n  resources-limits-required: {resources: []}\n":                                      "config.yaml:2: rules.resources-limits-required.resources: must name at least one",
		"rules:\n  host-path-volumes: {allowedPaths: [/var/log, \"\"]}\n":                             "config.yaml:2: rules.host-path-volumes.allowedPaths[1]: an empty path would allow every path of the node",
		"guardedLabels: [\"bad key!\"]\n":                                                             `config.yaml:1: guardedLabels[0]: "bad key!" is not a label key`,
	} {
		path := t.TempDir() + "/config.yaml"
		writeFile(t, path, config)
		if _, err := load(t, path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v\nwant %q", config, err, want)
		}
	}
	// Omitted selectors and empty lists that narrow (no host port allowed) load.
	path := t.TempDir() + "/config.yaml"
	writeFile(t, path, "rules:\n  host-ports: {allowed: []}\nexceptions:\n- {rule: host-ports, names: [agent-*], reason: r}\n")
	if _, err := load(t, path); err != nil {
		t.Errorf("a narrowing config: %v", err)
	}
}

// TestGuardedLabelsAlwaysHoldTheModeLabel: podpolicy.io/mode is guarded whatever the config;
// the config adds keys to it.
func TestGuardedLabelsAlwaysHoldTheModeLabel(t *testing.T) {
	if got := mustLoad(t, "").GuardedLabels; !slices.Equal(got, []string{ModeLabel}) {
		t.Errorf("default guarded labels %v", got)
	}
	path := t.TempDir() + "/config.yaml"
	writeFile(t, path, "guardedLabels: [example.com/no-podpolicy, podpolicy.io/mode]\n")
	if got := mustLoad(t, path).GuardedLabels; !slices.Equal(got, []string{ModeLabel, "example.com/no-podpolicy"}) {
		t.Errorf("configured guarded labels %v", got)
	}
}
