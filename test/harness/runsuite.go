package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// SuiteSetup prepares what a suite's tests share once its control plane is up. The after it
// returns (nil for none) runs after the tests with their exit code, and returns the suite's:
// it stops what setup started, and may fail the suite for what it finds then.
type SuiteSetup func(ctx context.Context, s *Suite) (after func(code int) int, err error)

// RunSuite is the body of an e2e package's TestMain: it starts a Suite named name with the
// CRDs crds returns (nil for none), runs setup, the tests and the cleanups, and returns the
// process exit code; anything that fails before the tests is printed and is exit code 1.
func RunSuite(m *testing.M, name string, crds func(ctx context.Context) ([]string, error), setup SuiteSetup) int {
	ctx := context.Background()
	var paths []string
	if crds != nil {
		var err error
		if paths, err = crds(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	s, err := StartSuite(ctx, name, paths...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	var after func(int) int
	if setup != nil {
		if after, err = setup(ctx, s); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	code := m.Run()
	if after != nil {
		code = after(code)
	}
	return code
}

// Metric returns the value of one sample line of w's metrics (its name and labels as the
// exposition format writes them), and whether it is there.
func (w *Webhook) Metric(t testing.TB, sample string) (string, bool) {
	t.Helper()
	resp, err := http.Get(w.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}
