package policies

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestExceptionNamingAWorkloadCoversItsPods: an exception whose names match a controller above
// a Pod (resolved by the webhook into Input.Owners) waives the Pod's violations of that rule,
// and only of that rule; without the resolved owners the Pod is judged on its own.
func TestExceptionNamingAWorkloadCoversItsPods(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte(`exceptions:
  - rule: host-namespaces
    names: [ne-prometheus-node-exporter]
    reason: the node exporter reads the node's network statistics
`), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newTestEngine(t, Options{ConfigFile: config})
	spec := readYAML(t, "testdata/pod-spec.yaml")
	spec["hostNetwork"] = true
	pod := object(0, spec)
	meta := at(pod, "metadata")
	delete(meta, "name")
	meta["generateName"] = "ne-prometheus-node-exporter-"

	rules := func(owners []string) []string {
		in, err := newInput(t, deepCopy(pod).(map[string]any), "CREATE")
		if err != nil {
			t.Fatal(err)
		}
		in.Namespace, in.Owners = "monitoring", owners
		result, err := e.Evaluate(context.Background(), in, Validate)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range result.WithAction(Deny) {
			if !slices.Contains(out, v.Rule) {
				out = append(out, v.Rule)
			}
		}
		return out
	}
	if got := rules(nil); !slices.Contains(got, "host-namespaces") {
		t.Errorf("a Pod without verified owners: denied by %v, want host-namespaces among them", got)
	}
	owned := rules([]string{"ne-prometheus-node-exporter"})
	if slices.Contains(owned, "host-namespaces") {
		t.Errorf("a Pod of the excepted DaemonSet is still denied by host-namespaces: %v", owned)
	}
	if !slices.Contains(owned, "host-ports") {
		t.Errorf("the exception waived more than its rule: %v (hostNetwork makes 8080 a host port)", owned)
	}
	if got := rules([]string{"ne-prometheus-node-exporter-other"}); !slices.Contains(got, "host-namespaces") {
		t.Errorf("a Pod of another owner is excepted: %v", got)
	}
}
