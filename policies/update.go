package policies

import (
	"context"
	"fmt"
	"time"

	"github.com/podpolicy/podpolicy/policies/normalize"
)

// onlyNew applies the UPDATE rule to v. An update is judged on what it changes, so a
// controller can still add a finalizer or a label to an object admitted before a rule existed,
// while an update that introduces a violation (an image moved to :latest) is denied: the
// violations the old object already had are dropped. A workload's update that changes its pod
// template is the exception: its controller rolls out new Pods from the template, and each
// of them is judged in full at its CREATE, so the update is judged in full too, as they will
// be (TemplateChanged), rather than admitted to stall its rollout.
func (e *Engine) onlyNew(ctx context.Context, set *policySet, v *Verdict, c Context, now time.Time) error {
	if c.OldObject == nil {
		return nil
	}
	old, err := normalize.NewInputs(c.OldObject, "UPDATE", set.config.Kinds)
	if err != nil {
		v.OldObjectUnjudged = err
		return nil
	}
	if v.Object.Kind != "Pod" && templatesChanged(old, v.Templates) {
		v.TemplateChanged = true
		return nil
	}
	existing := map[Violation]bool{}
	for _, o := range old {
		o.Namespace, o.Owners = v.Object.Namespace, v.Object.Owners
		before, err := e.evaluate(ctx, set, o, Validate, now)
		if err != nil {
			return fmt.Errorf("evaluate old object: %w", err)
		}
		for _, b := range before.Violations {
			existing[b] = true
		}
	}
	fresh := v.Violations[:0:0]
	for _, nv := range v.Violations {
		if !existing[nv] {
			fresh = append(fresh, nv)
		}
	}
	v.Violations = fresh
	return nil
}

// templatesChanged reports whether an update changes a workload's pod templates: one added,
// removed or moved, or one whose metadata or spec differs.
func templatesChanged(old, updated []*normalize.Input) bool {
	if len(old) != len(updated) || old[0].NoTemplate != nil {
		return true
	}
	for i := range old {
		if old[i].TemplatePath != updated[i].TemplatePath || old[i].Pod.Compare(updated[i].Pod) != 0 {
			return true
		}
	}
	return false
}
