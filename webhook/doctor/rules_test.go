package doctor

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestRules(t *testing.T) {
	runFaults(t, []fault{
		{"a workload kind removed", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].Rules[4].Resources = []string{"jobs"}
		}, want{Critical, "rules", vwc, "webhooks[0].rules",
			[]string{"no rule matches CREATE and UPDATE of cronjobs (batch/v1), so CronJobs are admitted unchecked", "its rules for batch: CREATE,UPDATE v1 jobs"},
			[]string{`add the rule {apiGroups: ["batch"], apiVersions: ["v1"], resources: ["cronjobs"], operations: ["CREATE", "UPDATE"], scope: Namespaced} to webhooks[0].rules`}}},
		{"a subresource removed", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].Rules[1].Resources = []string{"pods/ephemeralcontainers"}
		}, want{Critical, "rules", vwc, "webhooks[0].rules",
			[]string{"no rule matches UPDATE of pods/resize (v1)"},
			[]string{`resources: ["pods/resize"], operations: ["UPDATE"]`}}},
		{"UPDATE dropped", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].Rules[3].Operations = []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
			f.validating.Webhooks[0].Rules[3].Resources = []string{"deployments"}
			f.validating.Webhooks[0].Rules = append(f.validating.Webhooks[0].Rules, rule("apps", createUpdate, admissionregistrationv1.NamespacedScope, "statefulsets", "daemonsets", "replicasets"))
		}, want{Critical, "rules", vwc, "webhooks[0].rules",
			[]string{"no rule matches UPDATE of deployments (apps/v1), so Deployments are admitted unchecked"},
			[]string{`resources: ["deployments"], operations: ["UPDATE"]`}}},
		{"pods in the cluster scope", func(t *testing.T, f *fixture) {
			*f.validating.Webhooks[0].Rules[0].Scope = admissionregistrationv1.ClusterScope
		}, want{Critical, "rules", vwc, "webhooks[0].rules",
			[]string{"no rule matches CREATE and UPDATE of pods (v1), so Pods are admitted unchecked"}, nil}},
		{"a version that is not served", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].Rules[2].APIVersions = []string{"v1beta1"}
		}, want{Critical, "rules", vwc, "webhooks[0].rules",
			[]string{"replicationcontrollers (v1)", "ReplicationControllers are admitted unchecked"}, nil}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"everything by wildcards": func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].Rules = []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*/*"}},
			}}
		},
		"resource wildcard and every subresource of pods": func(t *testing.T, f *fixture) {
			all := admissionregistrationv1.AllScopes
			f.validating.Webhooks[0].Rules = []admissionregistrationv1.RuleWithOperations{
				rule("*", createUpdate, all, "*"),
				rule("", createUpdate, admissionregistrationv1.NamespacedScope, "pods/*"),
			}
		},
	})
}

// TestRuleMatchesAsTheAPIServer: the matcher's semantics, case by case
// (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules).
func TestRuleMatchesAsTheAPIServer(t *testing.T) {
	pods := request{version: "v1", resource: "pods"}
	resize := request{version: "v1", resource: "pods", subresource: "resize"}
	namespaces := request{version: "v1", resource: "namespaces", cluster: true}
	status := request{version: "v1", resource: "namespaces", subresource: "status", cluster: true}
	r := func(scope *admissionregistrationv1.ScopeType, ops []admissionregistrationv1.OperationType, resources ...string) admissionregistrationv1.RuleWithOperations {
		return admissionregistrationv1.RuleWithOperations{Operations: ops, Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: resources, Scope: scope}}
	}
	all := []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll}
	namespaced, cluster := ptr(admissionregistrationv1.NamespacedScope), ptr(admissionregistrationv1.ClusterScope)
	for _, tc := range []struct {
		rule admissionregistrationv1.RuleWithOperations
		q    request
		want bool
	}{
		{r(nil, all, "pods"), pods, true},
		{r(nil, all, "pods"), resize, false},                  // a resource does not match its subresources
		{r(nil, all, "*"), resize, false},                     // nor does "*"
		{r(nil, all, "pods/*"), resize, true},                 // resource/* matches every subresource
		{r(nil, all, "pods/*"), pods, true},                   // and, as the API server reads "*", the resource too
		{r(nil, all, "*/resize"), resize, true},               // */sub matches that subresource of all
		{r(nil, all, "*/*"), pods, true},                      //
		{r(nil, updateOnly, "pods"), pods, true},              // the operation is checked by the caller's op
		{r(namespaced, all, "namespaces"), namespaces, false}, // a Namespace is cluster-scoped
		{r(cluster, all, "namespaces/status"), status, true},
		{r(cluster, all, "pods"), pods, false},
		{r(ptr(admissionregistrationv1.AllScopes), all, "namespaces"), namespaces, true},
	} {
		if got := ruleMatches(tc.rule, tc.q, admissionregistrationv1.Update); got != tc.want {
			t.Errorf("rule %v %v scope %v on UPDATE of %s: %v, want %v", tc.rule.Operations, tc.rule.Resources, tc.rule.Scope, tc.q.path(), got, tc.want)
		}
	}
	if ruleMatches(r(nil, updateOnly, "pods"), pods, admissionregistrationv1.Create) {
		t.Error("a rule of UPDATE matches CREATE")
	}
}

// TestRulesOfConfiguredKinds: a configured kind the cluster serves (Argo's Rollout, shipped
// by default) needs a rule at each version it is served at; one the cluster does not serve
// needs none.
func TestRulesOfConfiguredKinds(t *testing.T) {
	servesRollouts := func(t *testing.T, f *fixture) {
		f.reactors = append(f.reactors, func(c *fake.Clientset) {
			c.Resources = append(c.Resources, &metav1.APIResourceList{GroupVersion: "argoproj.io/v1alpha1", APIResources: []metav1.APIResource{{Name: "rollouts", Kind: "Rollout", Namespaced: true}}})
		})
	}
	runFaults(t, []fault{
		{"Rollouts served and not sent", servesRollouts, want{Critical, "rules", vwc, "webhooks[0].rules",
			[]string{"no rule matches CREATE and UPDATE of rollouts (argoproj.io/v1alpha1), so Rollouts are admitted unchecked", "it has no rule for argoproj.io"},
			[]string{`add the rule {apiGroups: ["argoproj.io"], apiVersions: ["v1alpha1"], resources: ["rollouts"], operations: ["CREATE", "UPDATE"], scope: Namespaced}`}}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"Rollouts served and sent at every version": func(t *testing.T, f *fixture) {
			servesRollouts(t, f)
			r := rule("argoproj.io", createUpdate, admissionregistrationv1.NamespacedScope, "rollouts")
			r.APIVersions = []string{"*"}
			f.validating.Webhooks[0].Rules = append(f.validating.Webhooks[0].Rules, r)
		},
	})
}
