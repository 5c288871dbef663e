package config

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// settingsSchema is the built-in schema with a rule of a policy directory, team-label, that
// declares the setting label (default team) in its METADATA.
func settingsSchema(t *testing.T) Schema {
	t.Helper()
	s := builtinSchema(t)
	s.RuleIDs = append(slices.Clone(s.RuleIDs), "team-label")
	s.RuleSettings = map[string]map[string]any{"team-label": {"label": "team", "namespaces": []any{"shop"}}}
	return s
}

// TestRuleSettingsAreDefaultsAConfigIsCheckedAgainst: the settings a rule declares are its
// defaults, which a config overrides and is checked against as against data.yaml's.
func TestRuleSettingsAreDefaultsAConfigIsCheckedAgainst(t *testing.T) {
	s := settingsSchema(t)
	cfg, err := Parse("", nil, s)
	if err != nil {
		t.Fatal(err)
	}
	settings := cfg.Data()["rules"].(map[string]any)["team-label"].(map[string]any)
	if settings["label"] != "team" || settings["action"] != "deny" {
		t.Errorf("defaults of team-label: %v, want label team and action deny", settings)
	}
	cfg, err = Parse("c.yaml", []byte("rules:\n  team-label: {label: owner}\n"), s)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Data()["rules"].(map[string]any)["team-label"].(map[string]any)["label"]; got != "owner" {
		t.Errorf("label %v, want the config's owner", got)
	}
	for src, want := range map[string]string{
		"rules:\n  team-label: {lable: owner}\n":  "c.yaml:2: rules.team-label.lable: unknown setting of rule team-label (known: label, namespaces)",
		"rules:\n  team-label: {namespaces: a}\n": `c.yaml:2: rules.team-label.namespaces: expected a list, got str "a"`,
	} {
		if _, err := Parse("c.yaml", []byte(src), s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: error %v, want %q", src, err, want)
		}
	}
	// Declared settings are copied: a config cannot change what the next one gets.
	if s.RuleSettings["team-label"]["namespaces"].([]any)[0] != "shop" {
		t.Errorf("the declared defaults changed: %v", s.RuleSettings)
	}
}

// TestParseNodeNamesTheLinesOfTheEnclosingFile: a config held in a larger file is checked
// with that file's lines.
func TestParseNodeNamesTheLinesOfTheEnclosingFile(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("cases:\n  - name: a\n    config:\n      rules:\n        host-ports: {allowd: [80]}\n"), &doc); err != nil {
		t.Fatal(err)
	}
	node := doc.Content[0].Content[1].Content[0].Content[3]
	_, err := ParseNode("x.cases.yaml", node, builtinSchema(t))
	if err == nil || !strings.Contains(err.Error(), "x.cases.yaml:5: rules.host-ports.allowd: unknown setting of rule host-ports (known: allowed)") {
		t.Errorf("error %v", err)
	}
	node.Content[1].Content[1].Content[0].Value = "allowed"
	cfg, err := ParseNode("x.cases.yaml", node, builtinSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Data()["rules"].(map[string]any)["host-ports"].(map[string]any)["allowed"]; len(got.([]any)) != 1 {
		t.Errorf("allowed %v, want [80]", got)
	}
}
