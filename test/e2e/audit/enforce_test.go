//go:build e2e

package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestEnforceFromDeniesFromItsDate: a rule set to {action: warn, enforceFrom: T} warns at
// kubectl apply before T, naming the date, and denies from T, in the same serve process with
// the same config; podpolicy check --at gives the same two verdicts either side of T.
func TestEnforceFromDeniesFromItsDate(t *testing.T) {
	enforceFrom := time.Now().Add(20 * time.Second).UTC().Truncate(time.Second)
	date := enforceFrom.Format(time.RFC3339)
	config := filepath.Join(t.TempDir(), "config.yaml")
	body := fmt.Sprintf("rules:\n  %s: {action: warn, enforceFrom: %q}\n", rule, date)
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	installedWebhook(t, config, nil)
	ns := suite.Namespace(t, nil)
	pod := func(name string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name, "namespace": ns},
			"spec": podSpec("", container("legacy", "registry.example.com/shop/legacy:3.0.1", false))}
	}
	manifest := harness.WriteJSON(t, pod("legacy-before"))

	before := kubectl(t, "apply", "-f", manifest)
	if time.Now().After(enforceFrom) {
		t.Fatalf("the first apply ended after %s: the machine is too slow for this test's 20 s", date)
	}
	wantWarning := fmt.Sprintf(`[%s] container "legacy": `, rule)
	if before.ExitCode != 0 || !strings.Contains(before.Stderr, wantWarning) || !strings.Contains(before.Stderr, "this will be denied from "+date) {
		t.Fatalf("before %s: kubectl apply must admit with a warning naming the date:\n%s", date, before.Output())
	}
	checkAt := func(at time.Time) harness.Result {
		return podpolicy("check", "--config", config, "--at", at.Format(time.RFC3339), "-f", manifest)
	}
	if r := checkAt(enforceFrom.Add(-time.Hour)); r.ExitCode != 0 || !strings.Contains(r.Stdout, "this will be denied from "+date) {
		t.Errorf("check --at an hour before %s: exit %d, want 0 with the warning\n%s", date, r.ExitCode, r.Output())
	}
	if r := checkAt(enforceFrom.Add(time.Second)); r.ExitCode != 1 || !strings.Contains(r.Stdout, "deny "+wantWarning) {
		t.Errorf("check --at a second after %s: exit %d, want 1 (denied)\n%s", date, r.ExitCode, r.Output())
	}

	time.Sleep(time.Until(enforceFrom) + 500*time.Millisecond)
	after := kubectl(t, "apply", "-f", harness.WriteJSON(t, pod("legacy-after")))
	if after.ExitCode == 0 || !strings.Contains(after.Stderr, "denied the request") || !strings.Contains(after.Stderr, wantWarning) ||
		strings.Contains(after.Stderr, "will be denied from") {
		t.Fatalf("from %s: kubectl apply must be denied by %s, with no restart:\n%s", date, rule, after.Output())
	}
	t.Logf("%s warned until %s and denied from it, in one serve process; check --at agrees either side", rule, date)
}
