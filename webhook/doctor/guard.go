package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// guardRequests are the requests through which a Namespace's labels change: the Namespace
// itself, and its status and finalize subresources, whose strategies keep the metadata a
// request sends.
func guardRequests() []request {
	return []request{
		{version: "v1", resource: "namespaces", operations: createUpdate, cluster: true, what: "Namespaces"},
		{version: "v1", resource: "namespaces", subresource: "status", operations: updateOnly, cluster: true, what: "Namespace status updates"},
		{version: "v1", resource: "namespaces", subresource: "finalize", operations: updateOnly, cluster: true, what: "Namespace finalize updates"},
	}
}

// gap is a request a guard does not see.
type gap struct {
	q   request
	ops []admissionregistrationv1.OperationType
}

func (g gap) String() string { return operationList(g.ops) + " of " + g.q.path() }

func gapsOf(match func(request, admissionregistrationv1.OperationType) bool) []gap {
	var out []gap
	for _, q := range guardRequests() {
		var ops []admissionregistrationv1.OperationType
		for _, op := range q.operations {
			if !match(q, op) {
				ops = append(ops, op)
			}
		}
		if len(ops) > 0 {
			out = append(out, gap{q, ops})
		}
	}
	return out
}

func gapsText(gaps []gap) string {
	s := make([]string, len(gaps))
	for i, g := range gaps {
		s[i] = g.String()
	}
	return strings.Join(s, ", ")
}

func coversAll(gaps []gap, other []gap) bool {
	for _, g := range gaps {
		if slices.ContainsFunc(other, func(o gap) bool { return o.q.path() == g.q.path() }) {
			return false
		}
	}
	return true
}

// guard is one of the two guards of the guarded labels as the cluster runs it.
type guard struct {
	present bool
	holds   bool  // in force and failing closed
	gaps    []gap // requests it does not see
}

// covers reports whether the guard holds for every request in gaps.
func (g guard) covers(gaps []gap) bool { return g.holds && coversAll(gaps, g.gaps) }

// checkModeGuard: the guarded labels of Namespaces (podpolicy.io/mode, which turns podpolicy's
// denials off, and the keys of the namespace selector) can be changed by no one but
// modeAdmins: the ValidatingAdmissionPolicy <fullname>-mode-guard, bound with Deny, inside the
// API server (so it holds while podpolicy is down), and the webhook mode-guard.podpolicy.io,
// for clusters without ValidatingAdmissionPolicy; each seeing every request that changes a
// Namespace's labels.
func checkModeGuard(ctx context.Context, in *install) ([]Finding, error) {
	api := in.client.AdmissionregistrationV1()
	vapName := in.fullname + "-mode-guard"
	vapObject := Object{Kind: "ValidatingAdmissionPolicy", Name: vapName}
	bindingObject := Object{Kind: "ValidatingAdmissionPolicyBinding", Name: vapName}

	var webhook guard
	w, wi := in.validatingWebhook(guardWebhook)
	if w != nil {
		webhook = guard{present: true, holds: failsClosed(w.FailurePolicy), gaps: gapsOf(func(q request, op admissionregistrationv1.OperationType) bool {
			return slices.ContainsFunc(w.Rules, func(r admissionregistrationv1.RuleWithOperations) bool { return ruleMatches(r, q, op) })
		})}
	}

	served := true
	vap, err := api.ValidatingAdmissionPolicies().Get(ctx, vapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		vap = nil
		// A cluster that does not serve the kind answers a list with NotFound too.
		if _, lerr := api.ValidatingAdmissionPolicies().List(ctx, metav1.ListOptions{Limit: 1}); apierrors.IsNotFound(lerr) {
			served = false
		} else if lerr != nil {
			return nil, fmt.Errorf("list ValidatingAdmissionPolicies: %w", lerr)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read ValidatingAdmissionPolicy %s: %w", vapName, err)
	}

	var out []Finding
	enable := "helm: --set modeGuard.enabled=true"
	if !served || vap == nil {
		switch {
		case w == nil && !served:
			return []Finding{{
				Severity: Critical, Object: in.validatingObject(), Field: "webhooks",
				Message: fmt.Sprintf("nothing guards the labels of Namespaces: this cluster serves no ValidatingAdmissionPolicy and ValidatingWebhookConfiguration %q has no webhook %s, so whoever may label their Namespace can set %s=audit and turn podpolicy's denials off there", in.fullname, guardWebhook, modeLabel),
				Fix:     "add the guard webhook (" + enable + ")",
			}}, nil
		case w == nil:
			return []Finding{{
				Severity: Critical, Object: vapObject,
				Message: fmt.Sprintf("nothing guards the labels of Namespaces: ValidatingAdmissionPolicy %s does not exist and ValidatingWebhookConfiguration %q has no webhook %s, so whoever may label their Namespace can set %s=audit and turn podpolicy's denials off there", vapName, in.fullname, guardWebhook, modeLabel),
				Fix:     "install both guards (" + enable + ")",
			}}, nil
		case served:
			out = append(out, Finding{
				Severity: High, Object: vapObject,
				Message: fmt.Sprintf("ValidatingAdmissionPolicy %s does not exist: only podpolicy's webhook %s guards the labels of Namespaces, so the guard depends on podpolicy answering", vapName, guardWebhook),
				Fix:     "create it again (helm upgrade of the release, with modeGuard.enabled=true)",
			})
		}
		return append(out, webhookGaps(in, w, wi, webhook, guard{})...), nil
	}

	bindings, err := api.ValidatingAdmissionPolicyBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list ValidatingAdmissionPolicyBindings: %w", err)
	}
	var bound, warnOnly []string
	for _, b := range bindings.Items {
		if b.Spec.PolicyName != vapName {
			continue
		}
		if slices.Contains(b.Spec.ValidationActions, admissionregistrationv1.Deny) {
			bound = append(bound, b.Name)
		} else {
			warnOnly = append(warnOnly, fmt.Sprintf("%s %v", b.Name, b.Spec.ValidationActions))
		}
	}
	policy := guard{present: true, holds: len(bound) > 0 && failsClosed(vap.Spec.FailurePolicy), gaps: gapsOf(func(q request, op admissionregistrationv1.OperationType) bool {
		return policyMatches(vap.Spec.MatchConstraints, q, op)
	})}
	others := func(gaps []gap) Severity {
		if webhook.covers(gaps) {
			return High
		}
		return Critical
	}
	all := gapsOf(func(request, admissionregistrationv1.OperationType) bool { return false })
	switch {
	case len(bound) == 0 && len(warnOnly) > 0:
		out = append(out, Finding{
			Severity: others(all), Object: bindingObject, Field: "spec.validationActions",
			Message: fmt.Sprintf("ValidatingAdmissionPolicy %s is bound only without Deny (%s): it lets every change of a guarded label through", vapName, strings.Join(warnOnly, ", ")),
			Fix:     "set validationActions: [Deny] (helm upgrade of the release renders it so)",
		})
	case len(bound) == 0:
		out = append(out, Finding{
			Severity: others(all), Object: bindingObject, Field: "spec.policyName",
			Message: fmt.Sprintf("no ValidatingAdmissionPolicyBinding has policyName %s: the policy checks nothing, so %s", vapName, guardOutcome(webhook)),
			Fix:     fmt.Sprintf("create ValidatingAdmissionPolicyBinding %s with policyName: %s and validationActions: [Deny] (helm upgrade of the release renders it)", vapName, vapName),
		})
	}
	if !failsClosed(vap.Spec.FailurePolicy) {
		out = append(out, Finding{
			Severity: High, Object: vapObject, Field: "spec.failurePolicy",
			Message: fmt.Sprintf("ValidatingAdmissionPolicy %s has failurePolicy %s: a change it cannot evaluate goes through unchecked", vapName, *vap.Spec.FailurePolicy),
			Fix:     "set failurePolicy: Fail (the chart renders Fail; helm upgrade of the release)",
		})
	}
	if len(policy.gaps) > 0 {
		out = append(out, Finding{
			Severity: others(policy.gaps), Object: vapObject, Field: "spec.matchConstraints.resourceRules",
			Message: fmt.Sprintf("ValidatingAdmissionPolicy %s does not match %s, through which a Namespace's labels change too", vapName, gapsText(policy.gaps)),
			Fix:     `match them: resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["namespaces", "namespaces/status", "namespaces/finalize"]}] (helm upgrade of the release)`,
		})
	}
	if w == nil && in.validating != nil {
		out = append(out, Finding{
			Severity: Low, Object: in.validatingObject(), Field: "webhooks",
			Message: fmt.Sprintf("ValidatingWebhookConfiguration %q has no webhook %s: the ValidatingAdmissionPolicy alone guards the labels of Namespaces", in.fullname, guardWebhook),
			Fix:     "add it again (helm upgrade of the release, with modeGuard.enabled=true)",
		})
	}
	return append(out, webhookGaps(in, w, wi, webhook, policy)...), nil
}

// webhookGaps reports the requests the guard webhook does not see.
func webhookGaps(in *install, w *admissionregistrationv1.ValidatingWebhook, i int, webhook, policy guard) []Finding {
	if w == nil || len(webhook.gaps) == 0 {
		return nil
	}
	severity := Critical
	if policy.covers(webhook.gaps) {
		severity = High
	}
	return []Finding{{
		Severity: severity, Object: in.validatingObject(), Field: fmt.Sprintf("webhooks[%d].rules", i),
		Message: fmt.Sprintf("%s does not match %s, through which a Namespace's labels change too", guardWebhook, gapsText(webhook.gaps)),
		Fix:     `match them: rules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["namespaces", "namespaces/status", "namespaces/finalize"], scope: Cluster}] (helm upgrade of the release)`,
	}}
}

// guardOutcome says what follows from the policy not holding, given the webhook guard.
func guardOutcome(webhook guard) string {
	if webhook.holds {
		return "only podpolicy's webhook " + guardWebhook + " guards the labels of Namespaces, and only while podpolicy answers"
	}
	return "nothing guards the labels of Namespaces: whoever may label their Namespace can set " + modeLabel + "=audit and turn podpolicy's denials off there"
}

// policyMatches reports whether a ValidatingAdmissionPolicy with these match constraints sees
// op on q: a resource rule (naming no particular objects) matches and no exclude rule does.
func policyMatches(m *admissionregistrationv1.MatchResources, q request, op admissionregistrationv1.OperationType) bool {
	if m == nil {
		return false
	}
	matched := slices.ContainsFunc(m.ResourceRules, func(r admissionregistrationv1.NamedRuleWithOperations) bool {
		return len(r.ResourceNames) == 0 && ruleMatches(r.RuleWithOperations, q, op)
	})
	excluded := slices.ContainsFunc(m.ExcludeResourceRules, func(r admissionregistrationv1.NamedRuleWithOperations) bool {
		return ruleMatches(r.RuleWithOperations, q, op)
	})
	return matched && !excluded
}
