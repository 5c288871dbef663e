package policies

import "github.com/podpolicy/podpolicy/policies/config"

// ModeLabel is the Namespace label that softens podpolicy in that namespace: warn turns
// denials into warnings, audit only logs and counts violations.
const ModeLabel = config.ModeLabel

// Soften applies a namespace mode: warn turns denials into warnings, audit turns denials and
// warnings into audit entries. Any other value leaves the configured actions.
func Soften(violations []Violation, mode string) []Violation {
	if mode != string(Warn) && mode != string(Audit) {
		return violations
	}
	out := make([]Violation, len(violations))
	for i, v := range violations {
		if v.Action == Deny || (mode == string(Audit) && v.Action == Warn) {
			v.Action = Action(mode)
		}
		out[i] = v
	}
	return out
}
