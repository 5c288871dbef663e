//go:build e2e

package node

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// appVersion returns Chart.yaml's appVersion.
func appVersion(chart []byte) string {
	m := regexp.MustCompile(`(?m)^appVersion:\s*"?([^"\s]+)"?`).FindSubmatch(chart)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func kubectl(t testing.TB, args ...string) harness.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return cluster.Kubectl(ctx, "", args...)
}

func helm(t testing.TB, args ...string) harness.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return cluster.Helm(ctx, args...)
}

// mustSucceed fails the test when r failed, with what of the namespace ns explains it.
func mustSucceed(t testing.TB, what string, r harness.Result, ns string) {
	t.Helper()
	if r.ExitCode != 0 {
		t.Fatalf("%s: exit %d:\n%s\n%s", what, r.ExitCode, r.Output(), diagnostics(t, ns))
	}
}

// diagnostics returns the events, Pods and container logs of namespace ns, for a failure.
func diagnostics(t testing.TB, ns string) string {
	t.Helper()
	if ns == "" {
		return ""
	}
	var b strings.Builder
	for _, args := range [][]string{
		{"get", "pods", "-n", ns, "-o", "wide"},
		{"get", "events", "-n", ns, "--sort-by=.lastTimestamp"},
		{"logs", "-n", ns, "--all-containers", "--prefix", "--tail=30", "-l", "app.kubernetes.io/name=podpolicy"},
	} {
		r := kubectl(t, args...)
		fmt.Fprintf(&b, "$ kubectl %s\n%s\n", strings.Join(args, " "), r.Output())
	}
	return b.String()
}

func mustContain(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}

// eventually polls cond every 250ms until it holds or timeout passes, failing with describe().
func eventually(t testing.TB, timeout time.Duration, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", timeout, describe())
		}
		time.Sleep(250 * time.Millisecond)
	}
}
