package audit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/owners"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// listed serves objects to a scan as the API server lists them, by kind.
type listed map[string][]map[string]any

func (l listed) Page(_ context.Context, r Resource, _, _ string, _ int) ([]byte, error) {
	items := []any{}
	for _, obj := range l[r.Kind] {
		items = append(items, obj)
	}
	return json.Marshal(map[string]any{"items": items, "metadata": map[string]any{}})
}

// TestForgedOwnerIsJudgedOnItsOwn: a Pod whose owner reference names an excepted DaemonSet
// but that admission did not verify (it carries no owners.VerifiedAnnotation: a user wrote
// the reference) is judged on its own, its violation reported as a failure under the owner;
// the DaemonSet's own Pod, verified, is covered by the exception.
func TestForgedOwnerIsJudgedOnItsOwn(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("exceptions:\n- {rule: host-namespaces, names: [node-agent], reason: reads the node's processes}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	engine, err := policies.New(context.Background(), policies.Options{ConfigFile: config})
	if err != nil {
		t.Fatal(err)
	}
	spec := fixture.PodSpec(t)
	spec["hostPID"] = true
	daemonSet := fixture.Object(3, spec)
	fixture.At(daemonSet, "metadata")["name"] = "node-agent"
	fixture.At(daemonSet, "metadata")["uid"] = "ds-1"
	pod := func(name string, verified bool) map[string]any {
		meta := map[string]any{"name": name, "namespace": "shop", "uid": "pod-" + name,
			"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "node-agent", "uid": "ds-1", "controller": true}}}
		if verified {
			meta["annotations"] = map[string]any{owners.VerifiedAnnotation: "true"}
		}
		return map[string]any{"metadata": meta, "spec": fixture.DeepCopy(spec)}
	}
	run, err := Scan(context.Background(), Options{Engine: engine, Lister: listed{
		"Namespace": {{"metadata": map[string]any{"name": "shop"}}},
		"DaemonSet": {daemonSet},
		"Pod":       {pod("node-agent-x7k2p", true), pod("forged", false)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Findings) != 1 {
		t.Fatalf("findings %+v, want the DaemonSet's alone", run.Findings)
	}
	f := run.Findings[0]
	if len(f.Violations) != 0 || len(f.Excepted) != 1 || f.Pods != 2 {
		t.Errorf("the DaemonSet's finding: violations %v, excepted %v, pods %d", f.Violations, f.Excepted, f.Pods)
	}
	var failing []string
	for _, v := range f.PodViolations {
		if v.Rule == "host-namespaces" {
			failing = append(failing, v.Name)
		}
	}
	if !slices.Equal(failing, []string{"forged"}) {
		t.Errorf("Pods failing host-namespaces: %v, want the forged one alone", failing)
	}
}
