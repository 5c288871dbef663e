package policies

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// presetsFile holds the rule settings of each Pod Security Standards level.
const presetsFile = "rego/podpolicy/config/presets.yaml"

// PodSecurityLevels are the values the config's podSecurity accepts: the levels of the Pod
// Security Standards, as Pod Security Admission implements them.
var PodSecurityLevels = []string{"baseline", "restricted"}

// presets reads the rule settings of every level, keyed by level and then by rule ID. It is
// read afresh each time, so no config can change what another one gets.
func presets() (map[string]map[string]any, error) {
	src, err := builtinFS.ReadFile(presetsFile)
	if err != nil {
		return nil, fmt.Errorf("read presets: %w", err)
	}
	var levels map[string]map[string]any
	if err := yaml.Unmarshal(src, &levels); err != nil {
		return nil, fmt.Errorf("parse presets %s: %w", presetsFile, err)
	}
	for _, level := range PodSecurityLevels {
		if levels[level] == nil {
			return nil, fmt.Errorf("presets %s: level %s is missing", presetsFile, level)
		}
	}
	return levels, nil
}

// applyPreset lays the rule settings of the level a user config selects (podSecurity) over
// merged, before the user's own rules are merged, so that they override it.
func applyPreset(merged, user map[string]any) error {
	level, _ := user["podSecurity"].(string)
	if level == "" {
		return nil
	}
	if !slices.Contains(PodSecurityLevels, level) {
		return fmt.Errorf("podSecurity: unknown level %q", level)
	}
	levels, err := presets()
	if err != nil {
		return err
	}
	mergeConfig(merged, map[string]any{"rules": levels[level]})
	return nil
}
