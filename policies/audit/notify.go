package audit

import (
	"fmt"
	"strconv"
	"strings"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
)

// Notifier takes the audit's Kubernetes Events; nil emits none.
type Notifier interface {
	// Notify puts an Event of eventType (Warning, Normal) on regarding. The audit sends each
	// once per change.
	Notify(regarding corev1.ObjectReference, eventType, reason, message string)
}

// Reasons of the audit's Events.
const (
	// ReasonViolation is on an owner whose verdict turned worse since the audit before.
	ReasonViolation = "PolicyViolation"
	// ReasonConflict is on an owner whose Report name another source holds.
	ReasonConflict = "ReportConflict"
)

// Verdicts of a Report, from best to worst.
const (
	VerdictPass = "pass"
	VerdictWarn = "warn"
	VerdictFail = "fail"
)

var verdictRank = map[string]int{VerdictPass: 0, VerdictWarn: 1, VerdictFail: 2}

// Verdict is a Report's verdict: fail when a result fails (a deny or audit violation), warn
// when one warns, pass otherwise (skips, errors: the object could not be judged, which is no
// verdict of the rules).
func Verdict(r *reportsv1alpha1.Report) string {
	switch {
	case r.Summary.Fail > 0:
		return VerdictFail
	case r.Summary.Warn > 0:
		return VerdictWarn
	}
	return VerdictPass
}

// notify emits the Events of a written run: one on each owner whose verdict is worse than the
// audit before found it (from the Report that was there, or, where none was, from this
// process's last run: a clean owner has none with --audit-delete-clean), and one on each owner
// whose Report name became held by someone else. An owner the audit meets for the first time
// has no Event: admission told of it. reports[i] is findings[i]'s Report.
func (a *Runner) notify(findings []*Finding, reports []*reportsv1alpha1.Report, stats WriteStats) {
	verdicts := make(map[types.UID]string, len(reports))
	for i, r := range reports {
		uid := findings[i].Owner.UID
		now := Verdict(r)
		verdicts[uid] = now
		before, known := stats.Previous[uid]
		if !known {
			before, known = a.verdicts[uid]
		}
		if a.events != nil && known && verdictRank[now] > verdictRank[before] {
			a.events.Notify(objectReference(findings[i].Owner), corev1.EventTypeWarning, ReasonViolation, turnMessage(findings[i], before, now))
		}
	}
	a.verdicts = verdicts
	conflicts := make(map[string]bool, len(stats.Conflicts))
	for _, c := range stats.Conflicts {
		key := c.Namespace + "/" + c.Name
		conflicts[key] = true
		if a.events != nil && !a.conflicts[key] {
			a.events.Notify(c.Owner, corev1.EventTypeWarning, ReasonConflict, c.String())
		}
	}
	a.conflicts = conflicts
}

// turnMessage says how an owner's verdict turned, and the violations it has now, each with its
// action: the owner's, then those of its Pods that its template does not have.
func turnMessage(f *Finding, before, now string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "podpolicy's audit: %s %s ", f.Owner.Kind, strconv.Quote(f.Owner.Name))
	if now == VerdictFail {
		b.WriteString("now fails podpolicy's rules")
	} else {
		b.WriteString("now has podpolicy warnings")
	}
	if before == VerdictWarn {
		b.WriteString(" (it was only warned before)")
	} else {
		b.WriteString(" (it passed before)")
	}
	b.WriteString(":")
	for _, vs := range [][]policies.Violation{f.Violations, f.PodViolations} {
		for i := range vs {
			b.WriteString("\n")
			b.WriteString(string(vs[i].Action))
			b.WriteString(" ")
			if vs[i].Kind == "Pod" {
				b.WriteString(`Pod "` + vs[i].Name + `": `)
			}
			b.WriteString(vs[i].String())
		}
	}
	return b.String()
}
