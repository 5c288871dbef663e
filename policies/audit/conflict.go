package audit

import (
	"context"
	"fmt"
	"slices"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ConflictRule is the rule name of the error result a Report carries when the Report named
// for its owner was written by someone else.
const ConflictRule = "report-conflict"

// Conflict is a Report name podpolicy's Report of an owner should have, held by a Report it
// did not write: that Report does not stand for podpolicy's verdict.
type Conflict struct {
	// Namespace and Name are the held Report's.
	Namespace, Name string
	// Source is the held Report's source.
	Source string
	// Owner is the owner podpolicy reports on.
	Owner corev1.ObjectReference
	// WrittenAs is the name podpolicy's Report was written under instead; "" when that name
	// was held too, and none was written.
	WrittenAs string
}

func (c Conflict) String() string {
	s := fmt.Sprintf("the Report %s/%s of %s %s was not written by podpolicy (source %q)", c.Namespace, c.Name, c.Owner.Kind, c.Owner.Name, c.Source)
	if c.WrittenAs != "" {
		return s + "; podpolicy's verdict is in the Report " + c.WrittenAs
	}
	return s + ", nor the one of its fallback name; podpolicy's verdict is in no Report"
}

// fallbackName is the name podpolicy's Report of an owner takes when its name is held by a
// Report of someone else: the name and the start of the owner's UID, which the holder could
// not have known before the owner existed.
func fallbackName(r *reportsv1alpha1.Report) string {
	uid := ""
	if r.Scope != nil {
		uid = string(r.Scope.UID)
	}
	return r.Name + "-" + uid[:min(8, len(uid))]
}

// displaced handles a Report whose name another source holds: it writes podpolicy's Report
// under the fallback name, with an error result saying why, and returns the conflict.
func (w *Writer) displaced(ctx context.Context, r *reportsv1alpha1.Report, stats *WriteStats) (Conflict, error) {
	var held reportsv1alpha1.Report
	if err := w.Client.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: r.Name}, &held); err != nil {
		return Conflict{}, fmt.Errorf("read report %s/%s: %w", r.Namespace, r.Name, err)
	}
	c := Conflict{Namespace: r.Namespace, Name: r.Name, Source: held.Source}
	if r.Scope != nil {
		c.Owner = *r.Scope
	}
	moved := r.DeepCopy()
	moved.Name = fallbackName(r)
	moved.Results = slices.Insert(moved.Results, 0, reportsv1alpha1.ReportResult{
		Source: Source, Policy: ConflictRule, Rule: ConflictRule, Result: "error", Severity: "high",
		Subjects:    []corev1.ObjectReference{c.Owner},
		Description: fmt.Sprintf("the Report %s, named for this %s, was written by someone else (source %q) and does not stand for podpolicy's verdict; this Report does", r.Name, c.Owner.Kind, held.Source),
	})
	moved.Summary.Error++
	var existing reportsv1alpha1.Report
	err := w.Client.Get(ctx, client.ObjectKey{Namespace: moved.Namespace, Name: moved.Name}, &existing)
	switch {
	case apierrors.IsNotFound(err):
		if err := w.Client.Create(ctx, moved); err != nil {
			return c, fmt.Errorf("create report %s/%s: %w", moved.Namespace, moved.Name, err)
		}
		stats.Created++
	case err != nil:
		return c, fmt.Errorf("read report %s/%s: %w", moved.Namespace, moved.Name, err)
	case existing.Source != Source || existing.Labels[ManagedByLabel] != Source:
		return c, nil
	case sameContent(moved, &existing):
		stats.Unchanged++
	default:
		moved.ResourceVersion = existing.ResourceVersion
		if err := w.Client.Update(ctx, moved); err != nil {
			return c, fmt.Errorf("update report %s/%s: %w", moved.Namespace, moved.Name, err)
		}
		stats.Updated++
	}
	c.WrittenAs = moved.Name
	return c, nil
}
