//go:build e2e

package e2e

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestAuditRunsWithoutTheReportCRD: this suite's API server serves no openreports.io CRD. The
// background audit still runs and keeps its metrics, and says once that reports are off.
func TestAuditRunsWithoutTheReportCRD(t *testing.T) {
	ns := namespace(t, nil)
	w, err := suite.StartWebhook(context.Background(), harness.WebhookOptions{
		Args: []string{"--audit-interval=500ms", "--audit-lease-namespace=" + ns},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(w.Log(), `"audit done"`) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 3 audits within 60s without the CRD:\n%s", w.LogTail(20))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := strings.Count(w.Log(), "reports are off"); n != 1 {
		t.Errorf("said %d times that reports are off, want once:\n%s", n, w.LogTail(20))
	}
	resp, err := w.Client().Get(w.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mustContain(t, "metrics", string(text), `podpolicy_audit_runs_total{result="success"}`, "podpolicy_audit_last_success_timestamp_seconds", "podpolicy_audit_objects")
	mustNotContain(t, "metrics", string(text), `podpolicy_audit_runs_total{result="failed"}`)
}
