package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestPresetsNameOnlyKnownRulesAndSettings(t *testing.T) {
	schema := builtinSchema(t)
	levels, err := Levels(schema.Presets)
	if err != nil {
		t.Fatal(err)
	}
	defaults, err := schema.defaults()
	if err != nil {
		t.Fatal(err)
	}
	rules := defaults["rules"].(map[string]any)
	for level, presetRules := range levels {
		for id, raw := range presetRules {
			if !schema.knows(id) {
				t.Errorf("level %s names unknown rule %s", level, id)
				continue
			}
			for setting, value := range raw.(map[string]any) {
				def, ok := rules[id].(map[string]any)[setting]
				if !ok {
					t.Errorf("level %s: rule %s has no setting %s", level, id, setting)
				} else if reflect.TypeOf(def) != reflect.TypeOf(value) {
					t.Errorf("level %s: %s.%s is a %T, the default a %T", level, id, setting, value, def)
				}
			}
		}
	}
}

// TestDefaultsAreTheRestrictedLevel: without podSecurity, the rules of Pod Security Admission's
// checks have the settings of its restricted level.
func TestDefaultsAreTheRestrictedLevel(t *testing.T) {
	schema := builtinSchema(t)
	levels, err := Levels(schema.Presets)
	if err != nil {
		t.Fatal(err)
	}
	defaults, err := schema.defaults()
	if err != nil {
		t.Fatal(err)
	}
	for id, settings := range levels["restricted"] {
		if got := defaults["rules"].(map[string]any)[id]; !reflect.DeepEqual(got, settings) {
			t.Errorf("rule %s defaults to %v, the restricted level sets %v", id, got, settings)
		}
	}
}

func presetConfig(t *testing.T, config string) *Config {
	t.Helper()
	path := t.TempDir() + "/config.yaml"
	writeFile(t, path, config)
	return mustLoad(t, path)
}

func TestBaselineLevelTurnsRestrictedChecksOffAndLeavesOtherRulesAlone(t *testing.T) {
	cfg := presetConfig(t, "podSecurity: baseline\n")
	if cfg.PodSecurity != "baseline" {
		t.Errorf("PodSecurity %q, want baseline", cfg.PodSecurity)
	}
	for rule, want := range map[string]Action{
		"security-privilege-escalation": Off, "security-run-as-non-root": Off, "volume-types": Off,
		"security-privileged": Deny, "security-capabilities": Deny, "security-seccomp": Deny, "host-probes": Deny,
		// podpolicy's own rules are no part of a level.
		"security-read-only-root-filesystem": Deny, "probes-required": Deny, "share-process-namespace": Warn,
	} {
		if got := cfg.Action(rule); got != want {
			t.Errorf("baseline: %s is %s, want %s", rule, got, want)
		}
	}
}

func TestConfigRulesOverrideTheLevelSettingBySetting(t *testing.T) {
	c := presetConfig(t, "podSecurity: baseline\nrules:\n  volume-types: {action: warn}\n  security-capabilities: {allowedAdd: [NET_RAW]}\n")
	if got := c.Action("volume-types"); got != Warn {
		t.Errorf("volume-types is %s, want the file's warn over the level's off", got)
	}
	caps := c.data["rules"].(map[string]any)["security-capabilities"].(map[string]any)
	if !reflect.DeepEqual(caps["allowedAdd"], []any{"NET_RAW"}) || caps["requireDropAll"] != false {
		t.Errorf("security-capabilities settings %v, want the file's allowedAdd and the level's requireDropAll: false", caps)
	}
}

func TestEmptyLevelSelectsNone(t *testing.T) {
	cfg := presetConfig(t, "podSecurity: \"\"\n")
	if cfg.PodSecurity != "" || cfg.Action("security-run-as-non-root") != Deny {
		t.Errorf("podSecurity \"\": level %q, security-run-as-non-root %s; want no level and the default deny", cfg.PodSecurity, cfg.Action("security-run-as-non-root"))
	}
}

func TestUnknownLevelIsRefusedWithLine(t *testing.T) {
	for config, want := range map[string]string{
		"rules: {}\npodSecurity: privileged\n": `config.yaml:2: podSecurity: level "privileged" is not one of baseline, restricted`,
		"podSecurity: [baseline]\n":            `config.yaml:1: podSecurity: expected one of baseline, restricted, got a list`,
	} {
		path := t.TempDir() + "/config.yaml"
		writeFile(t, path, config)
		_, err := load(t, path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: error %v, want %q", config, err, want)
		}
	}
}
