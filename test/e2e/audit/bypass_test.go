//go:build e2e

package audit

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies/owners"
)

// TestAuditIsNotFooledByForgedOwnersOrSquattedReports: a tenant's Report holding the name of
// podpolicy's Report of a Deployment is reported as a conflict (podpolicy's verdict written
// under the owner's UID with an error result, the conflict counted), never taken for
// podpolicy's; and a Pod whose owner reference names that Deployment, excepted for
// host-namespaces, but which no controller created (it was written while podpolicy was away)
// is judged on its own, while the Deployment's own Pods, verified by admission, are covered by
// the exception.
func TestAuditIsNotFooledByForgedOwnersOrSquattedReports(t *testing.T) {
	ctx := context.Background()
	w := installedWebhook(t, testdata("bypass-config.yaml"), []string{"--audit-interval=2s", "--audit-lease-namespace=" + leaseNamespace})
	ns := suite.Namespace(t, nil)
	// The tenant's Report comes first, under the name podpolicy's would take.
	apply(t, map[string]any{
		"apiVersion": "openreports.io/v1alpha1", "kind": "Report",
		"metadata": map[string]any{"name": "podpolicy-deployment-agent", "namespace": ns},
		"source":   "tenant", "summary": map[string]any{"pass": 24},
	})
	spec := podSpec("", container("agent", "registry.example.com/node/agent:3.1.0", true))
	spec["hostPID"] = true
	apply(t, object("apps/v1", "Deployment", ns, "agent", map[string]any{
		"replicas": 2, "selector": map[string]any{"matchLabels": map[string]any{"app": "agent"}}, "template": template("agent", spec),
	}))
	waitFor(t, "the Deployment's Pods", 100*time.Second, func() bool {
		list, err := cp.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=agent"})
		return err == nil && len(list.Items) == 2
	})
	list, err := cp.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=agent"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Items {
		if p.Annotations[owners.VerifiedAnnotation] != "true" {
			t.Errorf("Pod %s, created by the ReplicaSet controller, is not marked verified: %v", p.Name, p.Annotations)
		}
	}
	deploy, err := cp.Client.AppsV1().Deployments(ns).Get(ctx, "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A forged Pod, written while podpolicy was away (admission would have judged it on its
	// own and denied it), naming the excepted Deployment as its controller.
	if err := cp.UninstallWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	forged := object("v1", "Pod", ns, "forged", spec)
	forged["metadata"].(map[string]any)["ownerReferences"] = []any{map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "agent", "uid": string(deploy.UID), "controller": true}}
	apply(t, forged)
	if err := cp.InstallWebhooks(ctx, w, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
	waitForAudits(t, w, 2)

	got := reports(t, ns)
	if tenant := got["podpolicy-deployment-agent"]; tenant.Source != "tenant" {
		t.Errorf("the tenant's Report was overwritten: %+v", tenant)
	}
	fallback := "podpolicy-deployment-agent-" + string(deploy.UID)[:8]
	ours, ok := got[fallback]
	if !ok {
		t.Fatalf("no Report %s of podpolicy's verdict; Reports: %v", fallback, keys(got))
	}
	var conflict, forgedFails, verifiedFails, skips int
	for _, r := range ours.Results {
		subject := ""
		if len(r.Subjects) > 0 {
			subject = r.Subjects[0].Kind + "/" + r.Subjects[0].Name
		}
		switch {
		case r.Policy == "report-conflict" && r.Result == "error" && strings.Contains(r.Description, `was written by someone else (source "tenant")`):
			conflict++
		case r.Policy == "host-namespaces" && r.Result == "fail" && subject == "Pod/forged":
			forgedFails++
		case r.Policy == "host-namespaces" && r.Result == "fail":
			verifiedFails++
		case r.Policy == "host-namespaces" && r.Result == "skip" && subject == "Deployment/agent":
			skips++
		}
	}
	if conflict != 1 || forgedFails != 1 || verifiedFails != 0 || skips != 1 {
		data, _ := json.MarshalIndent(ours.Results, "", "  ")
		t.Errorf("podpolicy's Report: %d conflict, %d forged Pod fails, %d verified Pod fails, %d skips of the Deployment; want 1, 1, 0, 1:\n%s", conflict, forgedFails, verifiedFails, skips, data)
	}
	if v := metric(t, w, "podpolicy_audit_report_conflicts"); v != 1 {
		t.Errorf("podpolicy_audit_report_conflicts = %v, want 1", v)
	}
	if !strings.Contains(w.Log(), `"report":"podpolicy-deployment-agent","source":"tenant"`) {
		t.Error("the conflict is not in podpolicy's log")
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
