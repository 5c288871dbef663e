//go:build e2e

package events

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAuditTellsOnceWhenAnOwnerTurnsToFail: a Deployment admitted while a rule warns until its
// enforceFrom date has a Report that warns; once the date passes, the next audit finds it
// failing and puts one Warning Event on it saying so, naming the rule; the audits after it,
// which find the same, add none. The replica that holds the audit Lease says so in an Event on
// the Lease.
func TestAuditTellsOnceWhenAnOwnerTurnsToFail(t *testing.T) {
	ctx := context.Background()
	enforceFrom := time.Now().Add(20 * time.Second).UTC().Truncate(time.Second)
	date := enforceFrom.Format(time.RFC3339)
	installed(t, fmt.Sprintf("rules:\n  share-process-namespace: {action: warn, enforceFrom: %q}\n", date),
		"--audit-interval=3s", "--audit-lease-namespace="+leaseNamespace, "--audit-lease-name=events-audit")
	ns := suite.Namespace(t, nil)
	dated := deployment(t, ns, "dated", "registry.example.com/shop/dated:1.0.0", 1)
	dated.Spec.Template.Spec.ShareProcessNamespace = new(true)
	if r := apply(t, dated); r.ExitCode != 0 || !strings.Contains(r.Stderr, "this will be denied from "+date) {
		t.Fatalf("the Deployment must be admitted with a warning naming %s: %s", date, r.Output())
	}
	dep, err := cp.Client.AppsV1().Deployments(ns).Get(ctx, "dated", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ns, dep.Name, dep.UID, "PolicyWarning", 30*time.Second)
	if time.Now().After(enforceFrom.Add(-5 * time.Second)) {
		t.Fatalf("the Deployment's warning came after %s minus 5 s, too late for an audit to see it warn: the machine is too slow for this test", date)
	}

	time.Sleep(time.Until(enforceFrom))
	e := waitEvent(t, ns, dep.Name, dep.UID, "PolicyViolation", 30*time.Second)
	for _, want := range []string{
		`podpolicy's audit: Deployment "dated" now fails podpolicy's rules (it was only warned before):`,
		"deny [share-process-namespace] shareProcessNamespace is true (spec.template.spec.shareProcessNamespace)",
	} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("the audit's Event lacks %q:\n%s", want, e.Message)
		}
	}
	time.Sleep(10 * time.Second)
	turns := withReason(argoEvents(t, ns, dep.Name, dep.UID), "PolicyViolation")
	if len(turns) != 1 || turns[0].Count != 1 {
		t.Errorf("after three more audits: %d PolicyViolation Events, want one, counted once: %+v", len(turns), turns)
	}

	lease, err := cp.Client.CoordinationV1().Leases(leaseNamespace).Get(ctx, "events-audit", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leader := false
	for _, e := range argoEvents(t, leaseNamespace, lease.Name, lease.UID) {
		leader = leader || e.Reason == "LeaderElection" && e.Type == corev1.EventTypeNormal && strings.Contains(e.Message, "became leader")
	}
	if !leader {
		t.Errorf("no LeaderElection Event on the audit Lease: %+v", argoEvents(t, leaseNamespace, lease.Name, lease.UID))
	}
}

// TestSquattedReportIsAnEventOnItsOwner: a Report of another source holding the name of
// podpolicy's Report of a Deployment (a conflict: podpolicy writes its own under the owner's
// UID) is a Warning Event on the Deployment saying where podpolicy's verdict is, told once
// however many audits find it.
func TestSquattedReportIsAnEventOnItsOwner(t *testing.T) {
	ctx := context.Background()
	installed(t, "", "--audit-interval=2s", "--audit-lease-namespace="+leaseNamespace, "--audit-lease-name=events-conflict")
	ns := suite.Namespace(t, nil)
	squatter := map[string]any{
		"apiVersion": "openreports.io/v1alpha1", "kind": "Report",
		"metadata": map[string]any{"name": "podpolicy-deployment-shop", "namespace": ns},
		"source":   "tenant", "summary": map[string]any{"pass": 24},
	}
	if r := apply(t, squatter); r.ExitCode != 0 {
		t.Fatalf("the tenant's Report: %s", r.Output())
	}
	if r := apply(t, deployment(t, ns, "shop", "registry.example.com/shop/web:1.4.2", 1)); r.ExitCode != 0 {
		t.Fatalf("the Deployment: %s", r.Output())
	}
	dep, err := cp.Client.AppsV1().Deployments(ns).Get(ctx, "shop", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, ns, dep.Name, dep.UID, "ReportConflict", 30*time.Second)
	want := fmt.Sprintf(`the Report %s/podpolicy-deployment-shop of Deployment shop was not written by podpolicy (source "tenant"); podpolicy's verdict is in the Report podpolicy-deployment-shop-%s`, ns, string(dep.UID)[:8])
	if e.Message != want || e.Type != corev1.EventTypeWarning {
		t.Errorf("the conflict's Event: %s %q\nwant Warning %q", e.Type, e.Message, want)
	}
	time.Sleep(7 * time.Second)
	conflicts := withReason(argoEvents(t, ns, dep.Name, dep.UID), "ReportConflict")
	if len(conflicts) != 1 || conflicts[0].Count != 1 {
		t.Errorf("after three more audits: %d ReportConflict Events, want one, counted once: %+v", len(conflicts), conflicts)
	}
}
