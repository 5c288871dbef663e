//go:build e2e

package faults

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

const forbiddenLabelRule = `# METADATA
# title: Forbidden label
# description: Pods labelled forbidden=true are refused.
# custom:
#   id: forbidden-label
#   severity: low
#   remediation: remove the forbidden label
package podpolicy.rules.forbidden_label

violation contains {"path": "metadata.labels.forbidden", "message": "the pod is labelled forbidden=true"} if {
	input.pod.metadata.labels.forbidden == "true"
}
`

// TestPolicyReloadUnderLoad drops a Rego file that does not compile into the policy
// directory of a podpolicy under load, then a good one, then changes the config file: the
// broken file leaves the last good policies serving (logged with file:line, counted as a
// failed reload), the good file and the new config are in force within seconds, and no create
// fails in between.
func TestPolicyReloadUnderLoad(t *testing.T) {
	ctx := context.Background()
	policyDir := t.TempDir()
	configFile := filepath.Join(t.TempDir(), "config.yaml")
	suiteConfig, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configFile, suiteConfig, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := startWebhook(ctx, harness.WebhookOptions{PolicyDirs: []string{policyDir}, ConfigFile: configFile})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop() }()
	if err := cp.InstallWebhooks(ctx, w, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cp.InstallWebhooks(ctx, webhook, admissionregistrationv1.Fail); err != nil {
			t.Fatal(err)
		}
	}()
	ns := namespace(t, nil)
	load, err := harness.StartLoad(ctx, cp.Client, harness.LoadOptions{Namespace: ns, Workers: 2, Interval: 10 * time.Millisecond, MutationLabel: "example.com/policy"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)

	broken := filepath.Join(policyDir, "broken.rego")
	if err := os.WriteFile(broken, []byte("package podpolicy.rules.broken\n\nviolation contains x if {\n\tx :=\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	took := waitFor(t, "the failed reload to be counted", 10*time.Second, func() bool {
		return metric(t, w, `podpolicy_policy_reloads_total{result="failure"}`) == "1"
	})
	if log := w.Log(); !strings.Contains(log, "policy reload failed") || !strings.Contains(log, "broken.rego:5") {
		t.Errorf("the failed reload is not logged with file:line:\n%s", w.LogTail(5))
	}
	t.Logf("broken file: reload failure counted after %v; last good policies keep serving", took.Round(time.Millisecond))
	time.Sleep(time.Second)

	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(policyDir, "forbidden_label.rego"), []byte(forbiddenLabelRule), 0o644); err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	waitFor(t, "the new rule to deny", 15*time.Second, func() bool {
		r := kubectl(t, "run", "probe", "-n", ns, "--image=busybox:1.37", "--labels=forbidden=true", "--dry-run=server")
		return r.ExitCode != 0 && strings.Contains(r.Stderr, "[forbidden-label]")
	})
	pickedUp := time.Since(written)
	time.Sleep(time.Second)

	// The config turns image-tag-pinned into a warning: a compliant Pod but for its :latest
	// image, denied until now, is then admitted.
	latest, err := harness.FixedPod()
	if err != nil {
		t.Fatal(err)
	}
	latest.Spec.Containers[0].Image = "nginx:latest"
	dryRun := func() error {
		_, err := cp.Client.CoreV1().Pods(ns).Create(ctx, latest, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	}
	if err := dryRun(); err == nil || !strings.Contains(err.Error(), "[image-tag-pinned]") {
		t.Fatalf("before the config change a :latest image must be denied: %v", err)
	}
	if err := os.WriteFile(configFile, append(suiteConfig, []byte("rules:\n  image-tag-pinned: {action: warn}\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	written = time.Now()
	waitFor(t, "the new config to warn instead of deny", 15*time.Second, func() bool { return dryRun() == nil })
	configPickedUp := time.Since(written)
	load.Stop()
	t.Logf("good file in force %v and new config %v after they were written; under load: %s",
		pickedUp.Round(time.Millisecond), configPickedUp.Round(time.Millisecond), load)
	if !load.OK() || load.Admitted.Load() == 0 {
		t.Errorf("creates failed during the reloads:\n%s", load.Errors())
	}
	if got := metric(t, w, `podpolicy_policy_reloads_total{result="success"}`); got == "" || got == "0" {
		t.Errorf("successful reloads: %q", got)
	}
	if got := metric(t, w, "podpolicy_policy_rules_loaded"); got != "27" { // 26 built-in rules and the reloaded one
		t.Errorf("rules loaded after the reload: %s, want 27", got)
	}
}
