package kinds

import (
	"slices"
	"testing"
)

// TestWorkloadsComeAfterTheirOwners: every workload is listed once, after each kind that owns
// it, so that a scan meets a Deployment before its ReplicaSets and a CronJob before its Jobs.
func TestWorkloadsComeAfterTheirOwners(t *testing.T) {
	order := Workloads()
	var names []string
	for _, k := range order {
		names = append(names, k.Kind)
	}
	if len(names) != 7 || slices.Contains(names, "Pod") {
		t.Fatalf("workloads %v, want the seven kinds with a pod template", names)
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
		if (k.Kind == "Pod") != (k.Template == "") {
			t.Errorf("%s: template %q", k.Kind, k.Template)
		}
		for _, owner := range k.OwnedBy {
			if o := Lookup(owner); o == nil || o.Controller == "" {
				t.Errorf("%s is owned by %s, which the table does not list with a controller", k.Kind, owner)
			}
		}
	}
	if got := Lookup("CronJob").TemplatePath(); !slices.Equal(got, []string{"spec", "jobTemplate", "spec", "template"}) {
		t.Errorf("CronJob's template path %v", got)
	}
	if Lookup("ConfigMap") != nil || Lookup("Deployment").APIVersion() != "apps/v1" || Lookup("Pod").APIVersion() != "v1" {
		t.Error("lookup or apiVersion wrong")
	}
}
