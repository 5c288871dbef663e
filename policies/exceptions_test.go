package policies

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/fixture"
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
	spec := fixture.PodSpec(t)
	spec["hostNetwork"] = true
	pod := fixture.Object(0, spec)
	meta := fixture.At(pod, "metadata")
	delete(meta, "name")
	meta["generateName"] = "ne-prometheus-node-exporter-"

	rules := func(owners []string) []string {
		result, err := judge(t, e, fixture.DeepCopy(pod).(map[string]any), Context{Namespace: "monitoring", Owners: owners})
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

// TestEnforceFromTurnsAWarningIntoADenialOnItsDate: a rule set to warn with an enforceFrom
// warns before that date, saying from when it will deny, and denies from it on, with no
// reload; an exception still waives it, and reports its reason.
func TestEnforceFromTurnsAWarningIntoADenialOnItsDate(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte(`rules:
  image-tag-pinned: {action: warn, enforceFrom: "2027-03-01"}
exceptions:
  - {rule: image-tag-pinned, names: [legacy], reason: "the legacy shop tags by date"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 2, 28, 23, 59, 0, 0, time.UTC)
	e := newTestEngine(t, Options{ConfigFile: config, Now: func() time.Time { return now }})
	judge := func(name string) *Result {
		spec := fixture.PodSpec(t)
		fixture.At(spec, "containers", 0)["image"] = "registry.example.com/shop/web:latest"
		pod := fixture.Object(0, spec)
		fixture.At(pod, "metadata")["name"] = name
		return evaluate(t, e, pod, "shop")
	}
	before := judge("web")
	if got := before.WithAction(Warn); len(got) != 1 || got[0].EnforceFrom != "2027-03-01" ||
		!strings.HasSuffix(got[0].String(), "; this will be denied from 2027-03-01") {
		t.Errorf("before the date: %+v", before.Violations)
	}
	now = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	after := judge("web")
	if got := after.WithAction(Deny); len(got) != 1 || got[0].Rule != "image-tag-pinned" || got[0].EnforceFrom != "" {
		t.Errorf("from the date: %+v", after.Violations)
	}
	excepted := judge("legacy")
	if len(excepted.Violations) != 0 || len(excepted.Excepted) != 1 || excepted.Excepted[0].Reason != "the legacy shop tags by date" {
		t.Errorf("excepted: violations %+v, excepted %+v", excepted.Violations, excepted.Excepted)
	}
}
