package doctor

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSelectors(t *testing.T) {
	team := metav1.LabelSelectorRequirement{Key: "team", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"platform"}}
	runFaults(t, []fault{
		{"an objectSelector", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].ObjectSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "podpolicy.io/skip", Operator: metav1.LabelSelectorOpDoesNotExist}}}
		}, want{Critical, "selectors", vwc, "webhooks[0].objectSelector",
			[]string{`validate.podpolicy.io has the objectSelector "!podpolicy.io/skip"`, "any author can leave theirs out"},
			[]string{`kubectl patch validatingwebhookconfiguration pp-podpolicy --type=json -p '[{"op":"remove","path":"/webhooks/0/objectSelector"}]'`}}},
		{"a namespace label no guard protects", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].NamespaceSelector.MatchExpressions = append(f.validating.Webhooks[0].NamespaceSelector.MatchExpressions, team)
		}, want{Critical, "selectors", vwc, "webhooks[0].namespaceSelector.matchExpressions[1].key",
			[]string{"selects Namespaces by the label team (team NotIn (platform)), which no guard protects"},
			[]string{`add "team" to guardedLabels`}}},
		{"a namespace label by matchLabels", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].NamespaceSelector.MatchLabels = map[string]string{"env": "prod"}
		}, want{Critical, "selectors", vwc, `webhooks[0].namespaceSelector.matchLabels["env"]`,
			[]string{"the label env (env=prod)"}, nil}},
		{"the mutation's namespace label", func(t *testing.T, f *fixture) {
			f.mutating.Webhooks[0].NamespaceSelector.MatchExpressions = append(f.mutating.Webhooks[0].NamespaceSelector.MatchExpressions, team)
		}, want{Medium, "selectors", mwc, "webhooks[0].namespaceSelector.matchExpressions[1].key",
			[]string{"out of podpolicy's labels and annotation"}, nil}},
		{"a match condition", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].MatchConditions = []admissionregistrationv1.MatchCondition{{Name: "not-ci", Expression: "request.userInfo.username != 'ci'"}}
		}, want{High, "selectors", vwc, "webhooks[0].matchConditions",
			[]string{"not-ci (request.userInfo.username != 'ci')"}, nil}},
		{"an objectSelector on the guard", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[1].ObjectSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"guarded": "yes"}}
		}, want{Critical, "selectors", vwc, "webhooks[1].objectSelector",
			[]string{"whoever may label a Namespace"}, nil}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"a key the config guards": func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].NamespaceSelector.MatchExpressions = append(f.validating.Webhooks[0].NamespaceSelector.MatchExpressions, team)
			f.config.Data["config.yaml"] = "guardedLabels: [podpolicy.io/mode, team]\n"
		},
		"the mode label itself": func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].NamespaceSelector.MatchExpressions = append(f.validating.Webhooks[0].NamespaceSelector.MatchExpressions,
				metav1.LabelSelectorRequirement{Key: "podpolicy.io/mode", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"off"}})
		},
		"no selectors at all, but the exclusions": func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].ObjectSelector = nil
			f.validating.Webhooks[1].NamespaceSelector = nil
		},
	})
}

func TestSelfExclusion(t *testing.T) {
	runFaults(t, []fault{
		{"its own namespace intercepted", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].NamespaceSelector.MatchExpressions[0].Values = []string{"kube-system"}
		}, want{High, "self-exclusion", vwc, "webhooks[0].namespaceSelector",
			[]string{`validate.podpolicy.io (failurePolicy Fail) selects Namespace "podpolicy-system"`, "cannot come back"},
			[]string{`add "podpolicy-system" to the values of the requirement {key: kubernetes.io/metadata.name, operator: NotIn}`}}},
		{"kube-system intercepted", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].NamespaceSelector.MatchExpressions[0].Values = []string{ns}
		}, want{High, "self-exclusion", vwc, "webhooks[0].namespaceSelector",
			[]string{`selects Namespace "kube-system"`}, []string{`add "kube-system"`}}},
		{"a mutation that fails closed", func(t *testing.T, f *fixture) {
			f.mutating.Webhooks[0].FailurePolicy = ptr(admissionregistrationv1.Fail)
			f.mutating.Webhooks[0].NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"}},
			}}
		}, want{High, "self-exclusion", mwc, "webhooks[0].namespaceSelector", []string{`mutate.podpolicy.io (failurePolicy Fail) selects Namespace "podpolicy-system"`}, nil}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"a mutation that fails open may": func(t *testing.T, f *fixture) { f.mutating.Webhooks[0].NamespaceSelector = nil },
	})
}
