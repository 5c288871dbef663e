//go:build e2e

package audit

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestAReloadedConfigIsAuditedAtOnce: with an audit every hour, a Pod created after the first
// audit has no Report; a config change, once serve has reloaded it, is audited at once, so
// the Pod's Report appears within seconds and judges it under the new config.
func TestAReloadedConfigIsAuditedAtOnce(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	write := func(action string) {
		t.Helper()
		if err := os.WriteFile(config, []byte("rules:\n  "+rule+": {action: "+action+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("audit")
	w := installedWebhook(t, config, []string{"--audit-interval=1h", "--audit-lease-namespace=" + leaseNamespace, "--reload-interval=1s"})
	waitFor(t, "the first audit", 60*time.Second, func() bool { return auditsDone(w) >= 1 })
	ns := suite.Namespace(t, nil)
	apply(t, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "legacy", "namespace": ns},
		"spec": podSpec("", container("legacy", "registry.example.com/shop/legacy:3.0.1", false))})
	report := owner{kind: "Pod", name: "legacy"}.report()

	time.Sleep(3 * time.Second)
	if _, ok := reports(t, ns)[report]; ok || auditsDone(w) != 1 {
		t.Fatalf("before any change: %d audits, Report %s present: %v; want one audit and no Report for an hour", auditsDone(w), report, ok)
	}

	changed := time.Now()
	write("warn")
	waitFor(t, "the Report after the config changed", 30*time.Second, func() bool {
		_, ok := reports(t, ns)[report]
		return ok
	})
	took := time.Since(changed)
	rep := reports(t, ns)[report]
	if len(rep.Results) != 1 || rep.Results[0].Policy != rule || rep.Results[0].Properties["action"] != "warn" {
		t.Fatalf("%s: results %+v; want one of %s with the new config's action, warn", report, rep.Results, rule)
	}
	t.Logf("config changed to action warn: audited again and %s written %v later (interval 1h, reload checked every 1s)", report, took.Round(100*time.Millisecond))
}
