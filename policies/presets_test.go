package policies

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestPresetsNameOnlyKnownRulesAndSettings(t *testing.T) {
	e := newTestEngine(t, Options{})
	levels, err := presets()
	if err != nil {
		t.Fatal(err)
	}
	defaults, err := defaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	rules := defaults["rules"].(map[string]any)
	for level, presetRules := range levels {
		for id, raw := range presetRules {
			if _, ok := e.current.Load().catalog.byID[id]; !ok {
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
	levels, err := presets()
	if err != nil {
		t.Fatal(err)
	}
	defaults, err := defaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	for id, settings := range levels["restricted"] {
		if got := defaults["rules"].(map[string]any)[id]; !reflect.DeepEqual(got, settings) {
			t.Errorf("rule %s defaults to %v, the restricted level sets %v", id, got, settings)
		}
	}
}

func presetEngine(t *testing.T, config string) *Engine {
	t.Helper()
	path := t.TempDir() + "/config.yaml"
	writeFile(t, path, config)
	return newTestEngine(t, Options{ConfigFile: path})
}

func TestBaselineLevelTurnsRestrictedChecksOffAndLeavesOtherRulesAlone(t *testing.T) {
	cfg := presetEngine(t, "podSecurity: baseline\n").Config()
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

// TestLevelsJudgeAsPodSecurityAdmission: adding CHOWN without dropping ALL, with no seccomp
// profile and privilege escalation allowed, passes baseline and breaks restricted.
func TestLevelsJudgeAsPodSecurityAdmission(t *testing.T) {
	spec := readYAML(t, "testdata/pod-spec.yaml")
	delete(at(spec, "securityContext"), "seccompProfile")
	sc := at(spec, "containers", 0, "securityContext")
	sc["capabilities"] = map[string]any{"add": []any{"CHOWN"}}
	delete(sc, "allowPrivilegeEscalation")
	at(spec, "securityContext")["runAsNonRoot"] = false
	psa := map[string]bool{"security-capabilities": true, "security-seccomp": true, "security-privilege-escalation": true, "security-run-as-non-root": true}
	for level, want := range map[string][]string{
		"baseline":   nil,
		"restricted": {"security-capabilities", "security-capabilities", "security-privilege-escalation", "security-run-as-non-root", "security-seccomp", "security-seccomp", "security-seccomp"},
	} {
		var got []string
		for _, v := range evaluate(t, presetEngine(t, "podSecurity: "+level+"\n"), object(0, spec), "shop").Violations {
			if psa[v.Rule] {
				got = append(got, v.Rule)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: violations of %v, want %v", level, got, want)
		}
	}
}

func TestConfigRulesOverrideTheLevelSettingBySetting(t *testing.T) {
	e := presetEngine(t, "podSecurity: baseline\nrules:\n  volume-types: {action: warn}\n  security-capabilities: {allowedAdd: [NET_RAW]}\n")
	if got := e.Config().Action("volume-types"); got != Warn {
		t.Errorf("volume-types is %s, want the file's warn over the level's off", got)
	}
	caps := e.Config().data["rules"].(map[string]any)["security-capabilities"].(map[string]any)
	if !reflect.DeepEqual(caps["allowedAdd"], []any{"NET_RAW"}) || caps["requireDropAll"] != false {
		t.Errorf("security-capabilities settings %v, want the file's allowedAdd and the level's requireDropAll: false", caps)
	}
}

func TestEmptyLevelSelectsNone(t *testing.T) {
	cfg := presetEngine(t, "podSecurity: \"\"\n").Config()
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
		_, err := New(context.Background(), Options{ConfigFile: path})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: error %v, want %q", config, err, want)
		}
	}
}
