package policies

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/podpolicy/podpolicy/test/fixture"
)

// rayCluster is a RayCluster with a head and two worker groups, each with the compliant pod
// spec, the second worker group's image on :latest.
func rayCluster(t testing.TB) map[string]any {
	template := func(image string) map[string]any {
		spec := fixture.PodSpec(t)
		fixture.At(spec, "containers", 0)["image"] = image
		return map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "ray"}}, "spec": spec}}
	}
	return map[string]any{
		"apiVersion": "ray.io/v1", "kind": "RayCluster",
		"metadata": map[string]any{"name": "raycluster-gpu", "namespace": "ml"},
		"spec": map[string]any{
			"headGroupSpec":    template("rayproject/ray:2.40.0"),
			"workerGroupSpecs": []any{template("rayproject/ray:2.40.0"), template("rayproject/ray-ml:latest")},
		},
	}
}

// TestConfiguredKindsGetWhatBuiltinKindsGet: a configured kind's objects are judged with the
// config's exceptions (by the object's name), dated actions and the namespace's mode, and an
// UPDATE of one is judged on what it changes, in full when it changes any of its templates.
func TestConfiguredKindsGetWhatBuiltinKindsGet(t *testing.T) {
	plain := newTestEngine(t, Options{})
	v, err := judge(t, plain, rayCluster(t), Context{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Violations) != 1 || v.Violations[0].Rule != "image-tag-pinned" || v.Violations[0].Path != "spec.workerGroupSpecs[1].template.spec.containers[0].image" ||
		v.Violations[0].Kind != "RayCluster" || v.Violations[0].Name != "raycluster-gpu" || len(v.Templates) != 3 {
		t.Fatalf("violations %+v of %d templates", v.Violations, len(v.Templates))
	}

	v, err = judge(t, plain, rayCluster(t), Context{NamespaceLabels: func() map[string]string { return map[string]string{ModeLabel: "warn"} }})
	if err != nil || !slices.Equal(ruleIDs(v.Violations, Warn), []string{"image-tag-pinned"}) || v.Mode != "warn" {
		t.Errorf("in a warn namespace: %+v, %v", v, err)
	}

	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, `rules:
  image-tag-pinned: {action: warn, enforceFrom: "2099-01-01"}
exceptions:
  - {rule: image-tag-pinned, names: [raycluster-*], images: ["rayproject/ray-ml:*"], reason: "the GPU image is rebuilt nightly"}
`)
	configured := newTestEngine(t, Options{ConfigFile: path})
	v, err = judge(t, configured, rayCluster(t), Context{})
	if err != nil || len(v.Violations) != 0 || len(v.Excepted) != 1 || v.Excepted[0].Path != "spec.workerGroupSpecs[1].template.spec.containers[0].image" {
		t.Errorf("excepted by name and image: %+v, %v", v, err)
	}

	old := rayCluster(t)
	change := func(edit func(obj map[string]any)) ([]string, bool) { return updated(t, plain, old, edit) }
	for name, tc := range map[string]struct {
		edit     func(obj map[string]any)
		deny     []string
		rollsOut bool
	}{
		"scale a group": {func(obj map[string]any) { fixture.At(obj, "spec", "workerGroupSpecs", 0)["replicas"] = 5 }, nil, false},
		"restart the head": {func(obj map[string]any) {
			fixture.At(obj, "spec", "headGroupSpec", "template", "metadata")["annotations"] = map[string]any{"restartedAt": "now"}
		}, []string{"image-tag-pinned"}, true},
		"add a worker group": {func(obj map[string]any) {
			groups := fixture.At(obj, "spec")["workerGroupSpecs"].([]any)
			fixture.At(obj, "spec")["workerGroupSpecs"] = append(groups, fixture.DeepCopy(groups[0]))
		}, []string{"image-tag-pinned"}, true},
	} {
		deny, rollsOut := change(tc.edit)
		if !slices.Equal(deny, tc.deny) || rollsOut != tc.rollsOut {
			t.Errorf("%s: denied for %v (template changed %v), want %v (%v)", name, deny, rollsOut, tc.deny, tc.rollsOut)
		}
	}
}

// TestPodsOfAConfiguredKindAreCoveredThroughTheirOwners: an exception naming a Rollout covers
// the Pods its ReplicaSets make once the caller verified the chain (Owners), and not before.
func TestPodsOfAConfiguredKindAreCoveredThroughTheirOwners(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, `exceptions:
  - {rule: image-tag-pinned, names: [checkout], reason: "canary of the nightly build"}
`)
	e := newTestEngine(t, Options{ConfigFile: path})
	pod := compliantPod(t, "registry.example/checkout:latest")
	v, err := judge(t, e, fixture.DeepCopy(pod).(map[string]any), Context{Owners: []string{"checkout-6f9dcf88bc", "checkout"}})
	if err != nil || len(v.Violations) != 0 || len(v.Excepted) != 1 {
		t.Errorf("a Pod of Rollout checkout: %+v, %v", v, err)
	}
	v, err = judge(t, e, pod, Context{})
	if err != nil || !slices.Equal(ruleIDs(v.Violations, Deny), []string{"image-tag-pinned"}) {
		t.Errorf("a Pod without verified owners: %+v, %v", v, err)
	}
}
