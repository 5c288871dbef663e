package kinds

import (
	"slices"
	"testing"
)

// rollout is a configured kind as the config's workloads section makes it.
var rollout = Kind{Group: "argoproj.io", Kind: "Rollout", Resource: "rollouts", Templates: []Path{MustPath("spec.template")}}

// TestWorkloadsComeAfterTheirOwners: every workload is listed once, after each kind that owns
// it, so that a scan meets a Deployment before its ReplicaSets and a CronJob before its Jobs;
// configured kinds, which own built-in ones (a Rollout its ReplicaSets), come first.
func TestWorkloadsComeAfterTheirOwners(t *testing.T) {
	order := NewTable([]Kind{rollout}).Workloads()
	var names []string
	for _, k := range order {
		names = append(names, k.Kind)
	}
	if len(names) != 8 || slices.Contains(names, "Pod") || names[0] != "Rollout" || !order[0].Configured {
		t.Fatalf("workloads %v, want Rollout, then the seven built-in kinds with a pod template", names)
	}
	for i, k := range order {
		for _, owner := range k.OwnedBy {
			if j := slices.Index(names, owner); j < 0 || j > i {
				t.Errorf("%s comes before its owner %s: %v", k.Kind, owner, names)
			}
		}
	}
}

// TestTableIsConsistent: each kind is named once, every owner is a kind of the table with a
// controller, and every kind but Pod has a template under spec.
func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Builtin {
		if seen[k.Kind] {
			t.Errorf("kind %s is listed twice", k.Kind)
		}
		seen[k.Kind] = true
		if (k.Kind == "Pod") != (len(k.Templates) == 0) {
			t.Errorf("%s: templates %v", k.Kind, k.Templates)
		}
		for _, owner := range k.OwnedBy {
			if o := BuiltinKind(k.Group, owner); o == nil || o.Controller == "" {
				t.Errorf("%s is owned by %s, which the table does not list with a controller", k.Kind, owner)
			}
		}
	}
	table := BuiltinTable()
	if got := table.Lookup("batch", "CronJob").Templates[0].String(); got != "spec.jobTemplate.spec.template" {
		t.Errorf("CronJob's template path %v", got)
	}
	if table.Lookup("", "ConfigMap") != nil || table.Lookup("apps", "Deployment").APIVersion() != "apps/v1" || table.Lookup("", "Pod").APIVersion() != "v1" {
		t.Error("lookup or apiVersion wrong")
	}
	if table.Of("apps.kruise.io/v1beta1", "StatefulSet") != nil {
		t.Error("a StatefulSet of another group is Kubernetes' StatefulSet")
	}
}

// TestConfiguredKindsAreJudgedAtEveryVersionOfTheirGroup: a built-in kind at its own version
// only; a configured kind at any version of its group, never of another group.
func TestConfiguredKindsAreJudgedAtEveryVersionOfTheirGroup(t *testing.T) {
	table := NewTable([]Kind{rollout})
	for apiVersion, want := range map[string]bool{"argoproj.io/v1alpha1": true, "argoproj.io/v1": true, "example.com/v1": false, "argoproj.io": false} {
		k := table.Of(apiVersion, "Rollout")
		if got := k != nil && k.Serves(apiVersion); got != want {
			t.Errorf("Rollout at %s judged: %v, want %v", apiVersion, got, want)
		}
	}
	if d := table.Of("apps/v1beta1", "Deployment"); d == nil || d.Serves("apps/v1beta1") || !d.Serves("apps/v1") {
		t.Error("a Deployment is judged at apps/v1 only")
	}
}

// TestOwnershipIsTakenOnlyFromTrustedControllers: owner references to a built-in kind are
// taken from Kubernetes' controllers; to a configured kind only from a controller the config
// names for that kind, and a chain follows a configured kind only when one is named.
func TestOwnershipIsTakenOnlyFromTrustedControllers(t *testing.T) {
	untrusted := NewTable([]Kind{rollout})
	trusted := rollout
	trusted.Controllers = []string{"argo-rollouts/argo-rollouts"}
	table := NewTable([]Kind{trusted})
	const argo = "system:serviceaccount:argo-rollouts:argo-rollouts"
	for _, tc := range []struct {
		table      *Table
		username   string
		apiVersion string
		kind       string
		want       bool
	}{
		{table, "system:serviceaccount:kube-system:replicaset-controller", "apps/v1", "ReplicaSet", true},
		{table, "system:kube-controller-manager", "apps/v1", "Deployment", true},
		{table, "system:serviceaccount:shop:replicaset-controller", "apps/v1", "ReplicaSet", false},
		{table, argo, "apps/v1", "ReplicaSet", false},
		{table, argo, "argoproj.io/v1alpha1", "Rollout", true},
		{table, "system:serviceaccount:kube-system:replicaset-controller", "argoproj.io/v1alpha1", "Rollout", false},
		{table, "system:serviceaccount:argo-rollouts:other", "argoproj.io/v1alpha1", "Rollout", false},
		{table, "argo-rollouts", "argoproj.io/v1alpha1", "Rollout", false},
		{untrusted, argo, "argoproj.io/v1alpha1", "Rollout", false},
		{table, argo, "example.com/v1", "Rollout", false},
	} {
		if got := tc.table.Vouches(tc.username, tc.apiVersion, tc.kind); got != tc.want {
			t.Errorf("%s vouches for an owner %s %s: %v, want %v", tc.username, tc.apiVersion, tc.kind, got, tc.want)
		}
	}
	if !table.Controller(argo) || untrusted.Controller(argo) || !untrusted.Controller("system:serviceaccount:kube-system:job-controller") {
		t.Error("Controller")
	}
	if !table.Follows("argoproj.io/v1alpha1", "Rollout") || untrusted.Follows("argoproj.io/v1alpha1", "Rollout") ||
		!untrusted.Follows("apps/v1", "ReplicaSet") || untrusted.Follows("v1", "Pod") || untrusted.Follows("apps/v1beta2", "ReplicaSet") {
		t.Error("Follows")
	}
}
