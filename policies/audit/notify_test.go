package audit

import (
	"strings"
	"testing"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
)

// notified records the audit's Events.
type notified []struct {
	regarding                  corev1.ObjectReference
	eventType, reason, message string
}

func (n *notified) Notify(regarding corev1.ObjectReference, eventType, reason, message string) {
	*n = append(*n, struct {
		regarding                  corev1.ObjectReference
		eventType, reason, message string
	}{regarding, eventType, reason, message})
}

// owner is a Deployment of shop named name whose UID is its name.
func owner(name string) Ref {
	return Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: name, UID: types.UID(name)}
}

// TestAuditTellsOfVerdictsThatTurnedWorse: an owner whose Report passed (or only warned) and
// now fails, or passed and now warns, gets one Warning Event naming its violations with their
// actions; an owner that kept its verdict, got better, or is met for the first time gets none.
// Without a Report of before (deleted clean, or the CRD missing) the last run's verdict
// counts; a Report name held by someone else is an Event the first run it is seen, not again.
func TestAuditTellsOfVerdictsThatTurnedWorse(t *testing.T) {
	deny := violation("image-tag-pinned", policies.Deny, "app")
	warn := violation("share-process-namespace", policies.Warn, "")
	dated := violation("probes-required", policies.Warn, "app")
	dated.EnforceFrom = "2027-03-01"
	findings := []*Finding{
		{Owner: owner("turned-fail"), Violations: []policies.Violation{deny}},
		{Owner: owner("warned-then-fail"), Violations: []policies.Violation{deny}},
		{Owner: owner("turned-warn"), Violations: []policies.Violation{dated}},
		{Owner: owner("still-fail"), Violations: []policies.Violation{deny}},
		{Owner: owner("got-better"), Violations: []policies.Violation{warn}},
		{Owner: owner("new"), Violations: []policies.Violation{deny}},
		{Owner: owner("clean-before"), Violations: []policies.Violation{deny}},
	}
	reports := make([]*reportsv1alpha1.Report, len(findings))
	for i, f := range findings {
		reports[i] = Report(f, ReportOptions{})
	}
	var got notified
	a := &Runner{events: &got, verdicts: map[types.UID]string{"clean-before": VerdictPass, "turned-fail": VerdictFail}}
	conflict := Conflict{Namespace: "shop", Name: "podpolicy-deployment-still-fail", Source: "kyverno", Owner: objectReference(owner("still-fail")), WrittenAs: "podpolicy-deployment-still-fail-still-fa"}
	a.notify(findings, reports, WriteStats{
		Previous: map[types.UID]string{
			"turned-fail": VerdictPass, "warned-then-fail": VerdictWarn, "turned-warn": VerdictPass,
			"still-fail": VerdictFail, "got-better": VerdictFail,
		},
		Conflicts: []Conflict{conflict},
	})
	want := map[string]string{
		"turned-fail":      `podpolicy's audit: Deployment "turned-fail" now fails podpolicy's rules (it passed before):` + "\ndeny " + deny.String(),
		"warned-then-fail": `podpolicy's audit: Deployment "warned-then-fail" now fails podpolicy's rules (it was only warned before):` + "\ndeny " + deny.String(),
		"turned-warn":      `podpolicy's audit: Deployment "turned-warn" now has podpolicy warnings (it passed before):` + "\nwarn " + dated.String(),
		"clean-before":     `podpolicy's audit: Deployment "clean-before" now fails podpolicy's rules (it passed before):` + "\ndeny " + deny.String(),
	}
	var conflicts int
	for _, e := range got {
		if e.reason == ReasonConflict {
			conflicts++
			if e.regarding != conflict.Owner || e.message != conflict.String() {
				t.Errorf("conflict Event %+v", e)
			}
			continue
		}
		if e.regarding.Name == "turned-warn" && !strings.Contains(e.message, "; this will be denied from 2027-03-01") {
			t.Errorf("a dated warning's Event does not name its date: %s", e.message)
		}
		w, ok := want[e.regarding.Name]
		if !ok || e.reason != ReasonViolation || e.eventType != corev1.EventTypeWarning || e.message != w || e.regarding != objectReference(owner(e.regarding.Name)) {
			t.Errorf("Event %+v\nwant message %q", e, w)
		}
		delete(want, e.regarding.Name)
	}
	if len(want) > 0 || conflicts != 1 {
		t.Errorf("no Event for %v; %d conflict Events, want 1", want, conflicts)
	}

	// The next run: nothing changed, so nothing is told, the conflict included.
	got = nil
	a.notify(findings, reports, WriteStats{Previous: a.verdicts, Conflicts: []Conflict{conflict}})
	if len(got) != 0 {
		t.Errorf("a run that changed nothing: %d Events, want none: %+v", len(got), got)
	}
}
