package doctor

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestModeGuard(t *testing.T) {
	onlyNamespaces := func(f *fixture) {
		f.policy.Spec.MatchConstraints.ResourceRules[0].Resources = []string{"namespaces"}
	}
	runFaults(t, []fault{
		{"the binding deleted", func(t *testing.T, f *fixture) { f.binding = nil }, want{High, "mode-guard", binding, "spec.policyName",
			[]string{"no ValidatingAdmissionPolicyBinding has policyName pp-podpolicy-mode-guard", "only podpolicy's webhook mode-guard.podpolicy.io guards"},
			[]string{"create ValidatingAdmissionPolicyBinding pp-podpolicy-mode-guard with policyName: pp-podpolicy-mode-guard and validationActions: [Deny]"}}},
		{"bound to warn only", func(t *testing.T, f *fixture) {
			f.binding.Spec.ValidationActions = []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn}
		}, want{High, "mode-guard", binding, "spec.validationActions",
			[]string{"bound only without Deny (pp-podpolicy-mode-guard [Warn])"}, []string{"validationActions: [Deny]"}}},
		{"the policy deleted", func(t *testing.T, f *fixture) { f.policy = nil }, want{High, "mode-guard", vap, "",
			[]string{"ValidatingAdmissionPolicy pp-podpolicy-mode-guard does not exist"}, nil}},
		{"the policy fails open", func(t *testing.T, f *fixture) {
			f.policy.Spec.FailurePolicy = ptr(admissionregistrationv1.Ignore)
		}, want{High, "mode-guard", vap, "spec.failurePolicy", []string{"failurePolicy Ignore"}, nil}},
		{"the policy misses the subresources", func(t *testing.T, f *fixture) { onlyNamespaces(f) }, want{High, "mode-guard", vap, "spec.matchConstraints.resourceRules",
			[]string{"does not match UPDATE of namespaces/status, UPDATE of namespaces/finalize"}, []string{`"namespaces/status", "namespaces/finalize"`}}},
		{"the guard webhook misses the status", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[1].Rules[0].Resources = []string{"namespaces", "namespaces/finalize"}
		}, want{High, "mode-guard", vwc, "webhooks[1].rules", []string{"mode-guard.podpolicy.io does not match UPDATE of namespaces/status"}, nil}},
		{"the guard webhook removed", func(t *testing.T, f *fixture) {
			f.validating.Webhooks = f.validating.Webhooks[:1]
		}, want{Low, "mode-guard", vwc, "webhooks", []string{"has no webhook mode-guard.podpolicy.io: the ValidatingAdmissionPolicy alone guards"}, nil}},
		{"no guard at all", func(t *testing.T, f *fixture) {
			f.policy, f.binding = nil, nil
			f.validating.Webhooks = f.validating.Webhooks[:1]
		}, want{Critical, "mode-guard", vap, "", []string{"nothing guards the labels of Namespaces", "podpolicy.io/mode=audit"}, []string{"modeGuard.enabled=true"}}},
	})

	t.Run("both miss the subresources", func(t *testing.T) {
		f := cleanInstall(t)
		onlyNamespaces(f)
		f.validating.Webhooks[1].Rules[0].Resources = []string{"namespaces"}
		r := f.run(t)
		if len(r.Findings) != 2 {
			t.Fatalf("findings %+v, want one on each guard", r.Findings)
		}
		for i, w := range []struct {
			object Object
			field  string
		}{{vap, "spec.matchConstraints.resourceRules"}, {vwc, "webhooks[1].rules"}} {
			if g := r.Findings[i]; g.Severity != Critical || g.Object != w.object || g.Field != w.field {
				t.Errorf("finding %d: %s %s %s, want critical %s %s", i, g.Severity, g.Object, g.Field, w.object, w.field)
			}
		}
	})
}

// TestModeGuardWithoutValidatingAdmissionPolicy: on a cluster that serves no
// ValidatingAdmissionPolicy, the webhook alone guards, and is required.
func TestModeGuardWithoutValidatingAdmissionPolicy(t *testing.T) {
	unserved := func(f *fixture) {
		f.policy, f.binding = nil, nil
		f.reactors = append(f.reactors, func(c *fake.Clientset) {
			c.PrependReactor("*", "validatingadmissionpolicies", func(action k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "admissionregistration.k8s.io", Resource: "validatingadmissionpolicies"}, "")
			})
		})
	}
	runClean(t, map[string]func(*testing.T, *fixture){
		"the webhook guards": func(t *testing.T, f *fixture) { unserved(f) },
	})
	runFaults(t, []fault{
		{"and the webhook is gone", func(t *testing.T, f *fixture) {
			unserved(f)
			f.validating.Webhooks = f.validating.Webhooks[:1]
		}, want{Critical, "mode-guard", vwc, "webhooks", []string{"this cluster serves no ValidatingAdmissionPolicy and ValidatingWebhookConfiguration \"pp-podpolicy\" has no webhook mode-guard.podpolicy.io"}, []string{"modeGuard.enabled=true"}}},
		{"and the webhook misses the status", func(t *testing.T, f *fixture) {
			unserved(f)
			f.validating.Webhooks[1].Rules[0].Resources = []string{"namespaces", "namespaces/finalize"}
		}, want{Critical, "mode-guard", vwc, "webhooks[1].rules", []string{"does not match UPDATE of namespaces/status"}, nil}},
	})
}
