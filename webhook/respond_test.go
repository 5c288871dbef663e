package webhook

import (
	"testing"

	"github.com/podpolicy/podpolicy/policies"
)

// TestDenialCountsRules: the header of a denial counts the rules broken, and says how many
// violations they are when that differs.
func TestDenialCountsRules(t *testing.T) {
	for _, tc := range []struct {
		violations []policies.Violation
		want       string
	}{
		{[]policies.Violation{denyImage}, `podpolicy: Pod "web" breaks 1 rule:`},
		{[]policies.Violation{denyImage, denyProbe}, `podpolicy: Pod "web" breaks 2 rules:`},
		{[]policies.Violation{denyProbe, denyProbe, denyImage}, `podpolicy: Pod "web" breaks 2 rules (3 violations):`},
		{[]policies.Violation{denyProbe, denyProbe}, `podpolicy: Pod "web" breaks 1 rule (2 violations):`},
	} {
		msg := denied("Pod", "web", tc.violations, false).Result.Message
		if got := msg[:len(tc.want)]; got != tc.want {
			t.Errorf("%d violations: header %q, want %q", len(tc.violations), got, tc.want)
		}
	}
}
