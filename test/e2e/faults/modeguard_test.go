//go:build e2e

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestSofteningIsGuarded: a tenant whose RBAC lets them patch their own Namespace cannot set
// podpolicy.io/mode=audit on it (which would turn podpolicy's denials off there), nor can
// tenants holding rights on its status subresource alone (patch) or its finalize subresource
// alone (update), which may change labels too - denied by the chart's
// ValidatingAdmissionPolicy while podpolicy is stopped, and by podpolicy's own webhook once the
// policy is removed; the cluster admins' group may, and podpolicy logs and counts the change.
func TestSofteningIsGuarded(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, nil)
	tenant := "tenant-" + ns
	grant := fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: %[1]s}
rules:
- {apiGroups: [""], resources: [namespaces], resourceNames: [%[2]s], verbs: [get, patch, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: %[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[1]s}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: %[1]s}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: %[1]s-status}
rules:
- {apiGroups: [""], resources: [namespaces/status], resourceNames: [%[2]s], verbs: [get, patch, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: %[1]s-status}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[1]s-status}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: %[1]s-status}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: %[1]s-finalize}
rules:
- {apiGroups: [""], resources: [namespaces/finalize], resourceNames: [%[2]s], verbs: [update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: %[1]s-finalize}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[1]s-finalize}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: %[1]s-finalize}]
`, tenant, ns)
	if r := cp.Kubectl(ctx, grant, "apply", "-f", "-"); r.ExitCode != 0 {
		t.Fatalf("grant the tenant their namespace: %s", r.Output())
	}
	// The subresource tenants' attempts: a patch of the status, a PUT of the finalize
	// subresource with the label added (it offers no patch).
	throughStatus := func() harness.Result {
		return kubectl(t, "patch", "namespace", ns, "--subresource=status", "--as", tenant+"-status",
			"-p", `{"metadata":{"labels":{"podpolicy.io/mode":"audit"}}}`)
	}
	throughFinalize := func() harness.Result {
		get := kubectl(t, "get", "namespace", ns, "-o", "json")
		var obj map[string]any
		if err := json.Unmarshal([]byte(get.Stdout), &obj); err != nil {
			t.Fatalf("read namespace %s: %v", ns, err)
		}
		meta := obj["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
		}
		labels["podpolicy.io/mode"] = "audit"
		meta["labels"] = labels
		data, _ := json.Marshal(obj)
		return cp.Kubectl(ctx, string(data), "replace", "--raw", "/api/v1/namespaces/"+ns+"/finalize", "-f", "-", "--as", tenant+"-finalize")
	}
	subresourceTenantsDenied := func(by string) {
		t.Helper()
		for name, try := range map[string]func() harness.Result{"namespaces/status": throughStatus, "namespaces/finalize": throughFinalize} {
			if r := try(); r.ExitCode == 0 || !strings.Contains(r.Stderr, by) {
				t.Errorf("a tenant holding %s alone: %s; want it denied by %s", name, r.Output(), by)
			}
		}
		if mode := kubectl(t, "get", "namespace", ns, "-o", `jsonpath={.metadata.labels.podpolicy\.io/mode}`); mode.Stdout != "" {
			t.Fatalf("a subresource tenant's label is there: %q", mode.Stdout)
		}
	}
	soften := func(as string) harness.Result {
		args := []string{"label", "namespace", ns, "podpolicy.io/mode=audit", "--overwrite"}
		if as != "" {
			args = append(args, "--as", as)
		}
		return kubectl(t, args...)
	}
	if r := kubectl(t, "label", "namespace", ns, "team=shop", "--as", tenant); r.ExitCode != 0 {
		t.Fatalf("the tenant cannot label their namespace at all: %s", r.Output())
	}

	// The chart's policy, rendered as helm installs it on a cluster that serves it.
	policy := renderModeGuard(t)
	if r := cp.Kubectl(ctx, policy, "apply", "-f", "-"); r.ExitCode != 0 {
		t.Fatalf("apply the chart's ValidatingAdmissionPolicy: %s", r.Output())
	}
	defer cp.Kubectl(ctx, policy, "delete", "--ignore-not-found", "-f", "-")

	// podpolicy stopped: its webhook cannot answer, the policy still denies, by itself.
	down, err := startWebhook(ctx, harness.WebhookOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.RegisterWebhooks(ctx, down, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cp.InstallWebhooks(ctx, webhook, admissionregistrationv1.Fail); err != nil {
			t.Errorf("re-register the suite's webhook: %v", err)
		}
	}()
	if err := down.Stop(); err != nil {
		t.Fatal(err)
	}
	var denied harness.Result
	waitFor(t, "the policy to deny the tenant", 30*time.Second, func() bool {
		denied = soften(tenant)
		return denied.ExitCode != 0 && strings.Contains(denied.Stderr, "ValidatingAdmissionPolicy")
	})
	for _, want := range []string{"pp-podpolicy-mode-guard", tenant + " may not change the labels podpolicy.io/mode of Namespace", "only the users [] and the groups [system:masters] may"} {
		if !strings.Contains(denied.Stderr, want) {
			t.Errorf("with podpolicy stopped the denial lacks %q:\n%s", want, denied.Stderr)
		}
	}
	subresourceTenantsDenied("ValidatingAdmissionPolicy")

	// The policy removed (a cluster without ValidatingAdmissionPolicy): podpolicy denies.
	if r := cp.Kubectl(ctx, policy, "delete", "-f", "-"); r.ExitCode != 0 {
		t.Fatalf("remove the policy: %s", r.Output())
	}
	if err := cp.InstallWebhooks(ctx, webhook, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "podpolicy's webhook to deny the tenant", 30*time.Second, func() bool {
		denied = soften(tenant)
		return denied.ExitCode != 0 && strings.Contains(denied.Stderr, `denied the request: podpolicy: `+tenant+` may not change the label podpolicy.io/mode of Namespace "`+ns+`"`)
	})
	subresourceTenantsDenied("mode-guard.podpolicy.io")
	if !strings.Contains(denied.Stderr, "only groups system:masters may (modeAdmins in podpolicy's config)") {
		t.Errorf("podpolicy's denial does not say who may:\n%s", denied.Stderr)
	}
	if mode := kubectl(t, "get", "namespace", ns, "-o", `jsonpath={.metadata.labels.podpolicy\.io/mode}`); mode.Stdout != "" {
		t.Fatalf("the tenant's label is there: %q", mode.Stdout)
	}

	// A cluster admin (system:masters) may, with the policy back too; podpolicy logs it.
	if r := cp.Kubectl(ctx, policy, "apply", "-f", "-"); r.ExitCode != 0 {
		t.Fatalf("apply the policy again: %s", r.Output())
	}
	if r := soften(""); r.ExitCode != 0 {
		t.Fatalf("a cluster admin cannot set the mode: %s", r.Output())
	}
	waitFor(t, "podpolicy to log the change", 10*time.Second, func() bool {
		return strings.Contains(webhook.Log(), `"msg":"namespace mode changed","namespace":"`+ns+`"`)
	})
	if got := metric(t, webhook, `podpolicy_mode_changes_total{result="allowed"}`); got == "" || got == "0" {
		t.Errorf("allowed mode changes counted: %q", got)
	}
	if got := metric(t, webhook, `podpolicy_mode_changes_total{result="denied"}`); got == "" || got == "0" {
		t.Errorf("denied mode changes counted: %q", got)
	}
}

// renderModeGuard renders the chart's ValidatingAdmissionPolicy and its binding for release pp.
func renderModeGuard(t *testing.T) string {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := cp.Helm(ctx, "template", "pp", filepath.Join(root, "charts", "podpolicy"),
		"--api-versions", "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy",
		"--show-only", "templates/modeguard-policy.yaml", "--show-only", "templates/modeguard-binding.yaml")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "kind: ValidatingAdmissionPolicyBinding") {
		t.Fatalf("helm template of the mode guard: %s", r.Output())
	}
	return r.Stdout
}
