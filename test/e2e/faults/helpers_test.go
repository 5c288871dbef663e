//go:build e2e

package faults

import (
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

func namespace(t *testing.T, labels map[string]string) string { return suite.Namespace(t, labels) }

func kubectl(t *testing.T, args ...string) harness.Result { return suite.Kubectl(t, args...) }

// metric returns the value of one sample line of w's metrics, or "" when absent.
func metric(t *testing.T, w *harness.Webhook, sample string) string {
	t.Helper()
	value, _ := w.Metric(t, sample)
	return value
}

// waitFor polls cond until it holds or timeout passes, returning how long it took.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}
