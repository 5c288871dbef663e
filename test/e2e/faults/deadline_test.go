//go:build e2e

package faults

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestRunawayPolicyFailsTheRequest runs a policy that would take minutes with a 300ms
// evaluation deadline: the request fails with HTTP 500 soon after the deadline, and through
// the API server (failurePolicy Fail) the Pod is rejected, never admitted by default.
func TestRunawayPolicyFailsTheRequest(t *testing.T) {
	ctx := context.Background()
	slow, _ := filepath.Abs("testdata/slow")
	w, err := startWebhook(ctx, harness.WebhookOptions{PolicyDirs: []string{slow}, Args: []string{"--eval-timeout=300ms"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop() }()

	start := time.Now()
	resp, err := w.Client().Post(w.URL("/validate"), "application/json", bytes.NewReader(review(t, "CREATE", fixedPodJSON(t))))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	t.Logf("runaway policy: HTTP %d after %v: %s", resp.StatusCode, elapsed.Round(time.Millisecond), data)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(data), `"allowed":false`) {
		t.Errorf("a runaway evaluation answered %d %s", resp.StatusCode, data)
	}
	if elapsed > 2*time.Second {
		t.Errorf("the answer took %v with a 300ms deadline", elapsed)
	}

	if err := cp.RegisterWebhooks(ctx, w, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cp.InstallWebhooks(ctx, webhook, admissionregistrationv1.Fail); err != nil {
			t.Fatal(err)
		}
	}()
	ns := namespace(t, nil)
	// The API server picks the new configuration up within moments; from then on every
	// create fails closed.
	var r harness.Result
	waitFor(t, "the API server to call the runaway webhook", 15*time.Second, func() bool {
		r = kubectl(t, "apply", "--dry-run=server", "-n", ns, "-f", filepath.Join(mustRoot(t), "examples", "web-server-pod-fixed.yaml"))
		return strings.Contains(r.Stderr, "failed calling webhook")
	})
	if r.ExitCode == 0 {
		t.Errorf("with the webhook failing, the create was admitted:\n%s", r.Output())
	}
	r = kubectl(t, "apply", "-n", ns, "-f", filepath.Join(mustRoot(t), "examples", "web-server-pod-fixed.yaml"))
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "failed calling webhook") {
		t.Errorf("with the webhook failing, the create was not rejected: exit %d\n%s", r.ExitCode, r.Output())
	}
}

func mustRoot(t *testing.T) string {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}
