package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hook is one of podpolicy's webhooks, validating or mutating, as the selector checks read it.
type hook struct {
	object            Object
	name              string
	index             int
	namespaceSelector *metav1.LabelSelector
	objectSelector    *metav1.LabelSelector
	matchConditions   []admissionregistrationv1.MatchCondition
	failurePolicy     *admissionregistrationv1.FailurePolicyType
	// bypass is the severity of a request let past it: critical for the validation and the
	// guard, medium for the mutation.
	bypass Severity
	// judges says what it does to a request, for messages.
	judges string
}

// hooks are podpolicy's webhooks in the installation.
func (in *install) hooks() []hook {
	var out []hook
	for _, name := range []string{validateWebhook, guardWebhook} {
		if w, i := in.validatingWebhook(name); w != nil {
			judges := "podpolicy's checks"
			if name == guardWebhook {
				judges = "the guard of its labels"
			}
			out = append(out, hook{in.validatingObject(), name, i, w.NamespaceSelector, w.ObjectSelector, w.MatchConditions, w.FailurePolicy, Critical, judges})
		}
	}
	if w, i := in.mutatingWebhook(); w != nil {
		out = append(out, hook{in.mutatingObject(), mutateWebhook, i, w.NamespaceSelector, w.ObjectSelector, w.MatchConditions, w.FailurePolicy, Medium, "podpolicy's labels and annotation"})
	}
	return out
}

// checkSelectors: no webhook of podpolicy's leaves a request out by something its author
// controls: a Namespace label no guard protects, an object's own labels, or a match
// condition.
func checkSelectors(ctx context.Context, in *install) ([]Finding, error) {
	hooks := in.hooks()
	if len(hooks) == 0 {
		return nil, nil
	}
	guarded, err := in.guardedLabels(ctx)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, h := range hooks {
		field := fmt.Sprintf("webhooks[%d]", h.index)
		for _, r := range selectorRequirements(h.namespaceSelector) {
			if slices.Contains(guarded, r.key) {
				continue
			}
			out = append(out, Finding{
				Severity: h.bypass, Object: h.object, Field: field + ".namespaceSelector." + r.field,
				Message: fmt.Sprintf("%s selects Namespaces by the label %s (%s), which no guard protects: whoever may label their Namespace can take it out of %s",
					h.name, r.key, r.text, h.judges),
				Fix: fmt.Sprintf("guard the key: add %q to guardedLabels in podpolicy's config (the chart guards every key of webhook.namespaceSelector.matchExpressions: move the requirement there and helm upgrade), or select on %s, which only the API server sets", r.key, nameLabel),
			})
		}
		if s := h.objectSelector; s != nil && (len(s.MatchLabels) > 0 || len(s.MatchExpressions) > 0) {
			author := "whoever creates a Pod or workload sets its labels, so any author can leave theirs out of " + h.judges
			if h.name == guardWebhook {
				author = "whoever may label a Namespace sets those labels, so they can leave their change out of " + h.judges
			}
			out = append(out, Finding{
				Severity: h.bypass, Object: h.object, Field: field + ".objectSelector",
				Message: fmt.Sprintf("%s has the objectSelector %q: %s", h.name, metav1.FormatLabelSelector(s), author),
				Fix: fmt.Sprintf(`remove it: kubectl patch %s %s --type=json -p '[{"op":"remove","path":"/webhooks/%d/objectSelector"}]' (helm: webhook.objectSelector={} and webhook.allowObjectSelectorBypass=false)`,
					strings.ToLower(h.object.Kind), h.object.Name, h.index),
			})
		}
		if h.name != guardWebhook && len(h.matchConditions) > 0 {
			names := make([]string, len(h.matchConditions))
			for i, c := range h.matchConditions {
				names[i] = fmt.Sprintf("%s (%s)", c.Name, c.Expression)
			}
			out = append(out, Finding{
				Severity: High, Object: h.object, Field: field + ".matchConditions",
				Message: fmt.Sprintf("%s has matchConditions %s: every request for which one is false skips %s", h.name, strings.Join(names, ", "), h.judges),
				Fix: fmt.Sprintf(`remove them: kubectl patch %s %s --type=json -p '[{"op":"remove","path":"/webhooks/%d/matchConditions"}]' (the chart renders none for %s)`,
					strings.ToLower(h.object.Kind), h.object.Name, h.index, h.name),
			})
		}
	}
	return out, nil
}

// requirement is one label requirement of a selector.
type requirement struct {
	key   string
	field string // matchLabels["team"] or matchExpressions[0].key
	text  string // team=payments, team NotIn (a, b)
}

func selectorRequirements(s *metav1.LabelSelector) []requirement {
	if s == nil {
		return nil
	}
	var out []requirement
	keys := make([]string, 0, len(s.MatchLabels))
	for k := range s.MatchLabels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, requirement{k, fmt.Sprintf("matchLabels[%q]", k), k + "=" + s.MatchLabels[k]})
	}
	for i, e := range s.MatchExpressions {
		text := e.Key + " " + string(e.Operator)
		if len(e.Values) > 0 {
			text += " (" + strings.Join(e.Values, ", ") + ")"
		}
		out = append(out, requirement{e.Key, fmt.Sprintf("matchExpressions[%d].key", i), text})
	}
	return out
}
