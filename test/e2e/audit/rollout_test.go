//go:build e2e

package audit

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestAuditReportsPerRollout runs Argo Rollouts' real controller with serve's background audit:
// a Rollout is the top owner of the ReplicaSet its controller creates and of that ReplicaSet's
// Pods, so the audit writes one Report per Rollout and none per ReplicaSet. A Rollout that runs
// a Deployment's template (workloadRef) is reported as such, with its Pods' own findings, and
// the Deployment has its own Report.
func TestAuditReportsPerRollout(t *testing.T) {
	ctx := context.Background()
	argo, err := harness.StartRollouts(ctx, cp, filepath.Join(suite.Dir, "rollouts-audit"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = argo.Stop() })
	w := installedWebhook(t, testdata("audit-rollout-config.yaml"), []string{"--audit-interval=2s", "--audit-lease-namespace=" + leaseNamespace, "--audit-page-size=3"},
		func() string { return "rollouts-controller log:\n" + argo.LogTail(20) })
	ns := suite.Namespace(t, nil)
	writable := func(name string) map[string]any {
		return container(name, "registry.example.com/shop/"+name+":2.1.0", false)
	}
	canary := map[string]any{"canary": map[string]any{"steps": []any{map[string]any{"setWeight": 50}, map[string]any{"pause": map[string]any{}}}}}
	apply(t,
		object("argoproj.io/v1alpha1", "Rollout", ns, "checkout", map[string]any{
			"replicas": 2, "selector": map[string]any{"matchLabels": map[string]any{"app": "checkout"}},
			"template": template("checkout", podSpec("", writable("checkout"))), "strategy": canary,
		}),
		object("apps/v1", "Deployment", ns, "storefront", map[string]any{
			"replicas": 0, "selector": map[string]any{"matchLabels": map[string]any{"app": "storefront"}},
			"template": template("storefront", podSpec("", writable("storefront"))),
		}),
		object("argoproj.io/v1alpha1", "Rollout", ns, "storefront", map[string]any{
			"replicas": 1, "selector": map[string]any{"matchLabels": map[string]any{"app": "storefront"}},
			"workloadRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "storefront"}, "strategy": canary,
		}),
	)
	waitFor(t, "the Rollouts' Pods", 100*time.Second, func() bool {
		list, err := cp.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 3
	})
	waitForAudits(t, w, 2)

	got := reports(t, ns)
	var names []string
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"podpolicy-deployment-storefront", "podpolicy-rollout-checkout", "podpolicy-rollout-storefront"}
	if !slices.Equal(names, want) {
		t.Fatalf("Reports in %s: %v\nwant one per Rollout and the Deployment, none per ReplicaSet: %v", ns, names, want)
	}
	checkReport(t, ns, owner{"Rollout", "checkout", []string{"checkout"}}, got["podpolicy-rollout-checkout"])
	checkReport(t, ns, owner{"Deployment", "storefront", []string{"storefront"}}, got["podpolicy-deployment-storefront"])

	// The Rollout without a template of its own: a skip saying whose template its Pods run,
	// and its Pod's own failure.
	rep := got["podpolicy-rollout-storefront"]
	var skip, podFail *reportsv1alpha1.ReportResult
	for i := range rep.Results {
		switch r := &rep.Results[i]; r.Result {
		case "skip":
			skip = r
		case "fail":
			podFail = r
		}
	}
	if skip == nil || !strings.HasPrefix(skip.Description, "no pod template at spec.template: it runs the pod template of Deployment storefront (spec.workloadRef), which podpolicy judges as any Deployment") {
		t.Errorf("Rollout storefront's Report does not say whose template it runs: %+v", rep.Results)
	}
	if podFail == nil || podFail.Rule != rule || len(podFail.Subjects) != 1 || podFail.Subjects[0].Kind != "Pod" ||
		!strings.HasPrefix(podFail.Subjects[0].Name, "storefront-") || podFail.Properties["path"] != "spec.containers[0].securityContext.readOnlyRootFilesystem" {
		t.Errorf("Rollout storefront's Report lacks its Pod's failure: %+v", rep.Results)
	}
	if len(rep.Results) != 2 || rep.Summary.Fail != 1 || rep.Summary.Skip != 1 || rep.Scope == nil || rep.Scope.Kind != "Rollout" {
		t.Errorf("Rollout storefront's Report: %d results, summary %+v, scope %+v", len(rep.Results), rep.Summary, rep.Scope)
	}
}
