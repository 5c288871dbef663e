package config

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// PodSecurityLevels are the values the config's podSecurity accepts: the levels of the Pod
// Security Standards, as Pod Security Admission implements them.
var PodSecurityLevels = []string{"baseline", "restricted"}

// Levels reads the rule settings of every level of presets, keyed by level and then by rule
// ID. It is read afresh each time, so no config can change what another one gets.
func Levels(presets []byte) (map[string]map[string]any, error) {
	var levels map[string]map[string]any
	if err := yaml.Unmarshal(presets, &levels); err != nil {
		return nil, fmt.Errorf("parse presets: %w", err)
	}
	for _, level := range PodSecurityLevels {
		if levels[level] == nil {
			return nil, fmt.Errorf("presets: level %s is missing", level)
		}
	}
	return levels, nil
}

// applyPreset lays the rule settings of the level a user config selects (podSecurity) over
// merged, before the user's own rules are merged, so that they override it.
func applyPreset(merged, user map[string]any, presets []byte) error {
	level, _ := user["podSecurity"].(string)
	if level == "" {
		return nil
	}
	if !slices.Contains(PodSecurityLevels, level) {
		return fmt.Errorf("podSecurity: unknown level %q", level)
	}
	levels, err := Levels(presets)
	if err != nil {
		return err
	}
	mergeConfig(merged, map[string]any{"rules": levels[level]})
	return nil
}
