package webhook

import (
	"context"
	"strings"
	"testing"

	"github.com/go-logr/logr"
)

// TestServeRefusesToStartOnBrokenPolicies: a policy set that does not compile at start is an
// error naming the file and line, before any listener opens, so podpolicy never reports ready
// (or answers) without compiled policies.
func TestServeRefusesToStartOnBrokenPolicies(t *testing.T) {
	o := validOptions(t)
	o.PolicyDirs = []string{"../policies/testdata/policy-broken"}
	o.MetricsAddr, o.HealthAddr = "0", "0"
	err := Run(context.Background(), o, logr.Discard())
	if err == nil || !strings.Contains(err.Error(), "policy-broken/broken.rego:5") {
		t.Errorf("Run with a broken policy directory: %v", err)
	}
}
