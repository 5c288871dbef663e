package policies

import (
	"slices"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/test/fixture"
)

// ruleIDs lists the rules of violations with action a, once each, in order.
func ruleIDs(vs []Violation, a Action) []string {
	var ids []string
	for _, v := range vs {
		if v.Action == a && !slices.Contains(ids, v.Rule) {
			ids = append(ids, v.Rule)
		}
	}
	return ids
}

// compliantPod is the compliant spec as a Pod, with its first container's image set.
func compliantPod(t testing.TB, image string) map[string]any {
	spec := fixture.PodSpec(t)
	fixture.At(spec, "containers", 0)["image"] = image
	return fixture.Object(0, spec)
}

// TestNamespaceModeSoftensViolations: a namespace labelled podpolicy.io/mode=warn turns every
// denial into a warning, audit turns denials and warnings into audit entries, and a namespace
// whose labels are unknown is judged as configured.
func TestNamespaceModeSoftensViolations(t *testing.T) {
	e := newTestEngine(t, Options{})
	obj := compliantPod(t, "nginx:latest")
	fixture.At(obj, "spec")["shareProcessNamespace"] = true
	for _, tc := range []struct {
		labels            map[string]string
		deny, warn, audit []string
		mode              string
	}{
		{nil, []string{"image-tag-pinned"}, []string{"share-process-namespace"}, nil, ""},
		{map[string]string{"team": "a"}, []string{"image-tag-pinned"}, []string{"share-process-namespace"}, nil, ""},
		{map[string]string{ModeLabel: "warn"}, nil, []string{"image-tag-pinned", "share-process-namespace"}, nil, "warn"},
		{map[string]string{ModeLabel: "audit"}, nil, nil, []string{"image-tag-pinned", "share-process-namespace"}, "audit"},
		{map[string]string{ModeLabel: "enforce"}, []string{"image-tag-pinned"}, []string{"share-process-namespace"}, nil, ""},
	} {
		v, err := judge(t, e, fixture.DeepCopy(obj).(map[string]any), Context{Namespace: "shop", NamespaceLabels: func() map[string]string { return tc.labels }})
		if err != nil {
			t.Fatal(err)
		}
		if got := ruleIDs(v.Violations, Deny); !slices.Equal(got, tc.deny) {
			t.Errorf("labels %v: denied %v, want %v", tc.labels, got, tc.deny)
		}
		if got := ruleIDs(v.Violations, Warn); !slices.Equal(got, tc.warn) {
			t.Errorf("labels %v: warned %v, want %v", tc.labels, got, tc.warn)
		}
		if got := ruleIDs(v.Violations, Audit); !slices.Equal(got, tc.audit) {
			t.Errorf("labels %v: audited %v, want %v", tc.labels, got, tc.audit)
		}
		if v.Mode != tc.mode {
			t.Errorf("labels %v: mode %q, want %q", tc.labels, v.Mode, tc.mode)
		}
	}
}

// TestNamespaceLabelsAreReadOnlyWhenNeeded: validating a compliant object never reads the
// namespace's labels (the lookup costs a request); mutating reads them once.
func TestNamespaceLabelsAreReadOnlyWhenNeeded(t *testing.T) {
	e := newTestEngine(t, Options{})
	reads := 0
	labels := func() map[string]string { reads++; return map[string]string{"team": "a"} }
	if _, err := judge(t, e, compliantPod(t, "nginx:1.27.3"), Context{NamespaceLabels: labels}); err != nil {
		t.Fatal(err)
	}
	if reads != 0 {
		t.Errorf("validating a compliant Pod read the namespace's labels %d times", reads)
	}
	if _, err := judge(t, e, compliantPod(t, "nginx:latest"), Context{NamespaceLabels: labels, Phases: Validate | Mutate}); err != nil {
		t.Fatal(err)
	}
	if reads != 1 {
		t.Errorf("mutating a violating Pod read the namespace's labels %d times, want once", reads)
	}
}

// TestUpdateOfAPodCountsOnlyNewViolations: an update adding no violation is admitted, one
// adding a violation is judged on it alone, and one without its old object is judged in full.
func TestUpdateOfAPodCountsOnlyNewViolations(t *testing.T) {
	e := newTestEngine(t, Options{})
	old := compliantPod(t, "nginx:1.27.3")
	delete(fixture.At(old, "spec", "containers", 0), "livenessProbe")
	same := fixture.DeepCopy(old).(map[string]any)
	fixture.At(same, "metadata")["labels"] = map[string]any{"team": "a"}
	latest := fixture.DeepCopy(old).(map[string]any)
	fixture.At(latest, "spec", "containers", 0)["image"] = "nginx:latest"

	update := func(obj map[string]any, old map[string]any) []string {
		t.Helper()
		c := Context{Operation: "UPDATE"}
		if old != nil {
			c.OldObject = decode(t, old)
		}
		v, err := judge(t, e, fixture.DeepCopy(obj).(map[string]any), c)
		if err != nil {
			t.Fatal(err)
		}
		if v.TemplateChanged {
			t.Error("a Pod's update was judged as a template change")
		}
		return ruleIDs(v.Violations, Deny)
	}
	if got := update(same, old); len(got) != 0 {
		t.Errorf("an update adding no violation is denied for %v", got)
	}
	if got := update(latest, old); !slices.Equal(got, []string{"image-tag-pinned"}) {
		t.Errorf("an update moving to :latest is denied for %v, want image-tag-pinned alone", got)
	}
	if got := update(same, nil); !slices.Equal(got, []string{"probes-required"}) {
		t.Errorf("an update without its old object is denied for %v, want what it breaks", got)
	}
}

// TestUpdateOfADeletingPodIsAdmitted: a Pod being deleted may still be updated (its
// finalizers removed) whatever it breaks.
func TestUpdateOfADeletingPodIsAdmitted(t *testing.T) {
	e := newTestEngine(t, Options{})
	obj := compliantPod(t, "nginx:latest")
	fixture.At(obj, "metadata")["deletionTimestamp"] = "2026-12-07T10:00:00Z"
	v, err := judge(t, e, obj, Context{Operation: "UPDATE", OldObject: decode(t, compliantPod(t, "nginx:latest"))})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Violations) != 0 {
		t.Errorf("a deleting Pod's update has violations %v", v.Violations)
	}
}

// TestMirrorPodsAreNeverMutated: the API server's copy of a static Pod, which the kubelet
// owns, gets no patch.
func TestMirrorPodsAreNeverMutated(t *testing.T) {
	e := newTestEngine(t, Options{ConfigFile: "testdata/config/full.yaml"})
	pod := compliantPod(t, "nginx:1.27.3")
	if got := mutate(t, e, fixture.DeepCopy(pod).(map[string]any)); len(got) == 0 {
		t.Fatal("the config injects nothing into an ordinary Pod; the test needs a patch to miss")
	}
	fixture.At(pod, "metadata")["annotations"] = map[string]any{mirrorPodAnnotation: "abc"}
	if got := mutate(t, e, pod); len(got) != 0 {
		t.Errorf("a mirror Pod was patched: %+v", got)
	}
}

// TestJudgeNamesWhatItCannotJudge: an object of another kind and one of the wrong shape are
// errors the callers tell apart from a failed evaluation.
func TestJudgeNamesWhatItCannotJudge(t *testing.T) {
	e := newTestEngine(t, Options{})
	_, err := judge(t, e, map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}}, Context{})
	if err == nil || !strings.Contains(err.Error(), "not evaluated by podpolicy") {
		t.Errorf("a ConfigMap: %v", err)
	}
	_, err = judge(t, e, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a"}, "spec": []any{}}, Context{})
	if err == nil || !strings.Contains(err.Error(), "spec: expected an object") {
		t.Errorf("a Pod whose spec is a list: %v", err)
	}
}

// TestGenerateNameIsJudgedAsTheNamesTheAPIServerGives: an object named only by generateName
// is waived by a names pattern that matches every name the API server can complete it to
// (node-agent-*), never by one that matches the prefix alone (node-agent-), which matches no
// name the cluster will see.
func TestGenerateNameIsJudgedAsTheNamesTheAPIServerGives(t *testing.T) {
	dir := t.TempDir()
	pod := compliantPod(t, "agent:latest")
	meta := fixture.At(pod, "metadata")
	delete(meta, "name")
	meta["generateName"] = "node-agent-"
	for pattern, waived := range map[string]bool{"node-agent-": false, "node-agent-*": true, "node-*": true, "node-agent-x*": false} {
		config := dir + "/config.yaml"
		writeFile(t, config, "exceptions:\n- {rule: image-tag-pinned, names: ['"+pattern+"'], reason: agents are pinned elsewhere}\n")
		v, err := judge(t, newTestEngine(t, Options{ConfigFile: config}), fixture.DeepCopy(pod).(map[string]any), Context{Namespace: "shop"})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(v.Excepted) == 1 && len(ruleIDs(v.Violations, Deny)) == 0; got != waived {
			t.Errorf("names [%s] on generateName node-agent-: waived %v, want %v (%+v)", pattern, got, waived, v.Result)
		}
		if !v.Object.Generated || v.Object.Name != "node-agent-" {
			t.Errorf("object %+v, want generateName node-agent-", v.Object)
		}
	}
}

// TestUpdateOfAWorkloadTemplateIsJudgedAsItsRollout: a Deployment admitted while it broke a
// rule (on :latest) may still be scaled and labelled (only new violations count), but an
// update that changes its pod template (kubectl rollout restart, set image, edit) is judged in
// full, as the Pods its controller creates from it will be.
func TestUpdateOfAWorkloadTemplateIsJudgedAsItsRollout(t *testing.T) {
	e := newTestEngine(t, Options{})
	old := fixture.Object(1, fixture.PodSpec(t))
	fixture.At(old, "spec", "template", "spec", "containers", 0)["image"] = "nginx:latest"
	change := func(edit func(obj map[string]any)) ([]string, bool) { return updated(t, e, old, edit) }
	for name, tc := range map[string]struct {
		edit     func(obj map[string]any)
		deny     []string
		rollsOut bool
	}{
		"scale": {func(obj map[string]any) { fixture.At(obj, "spec")["replicas"] = 5 }, nil, false},
		"label": {func(obj map[string]any) { fixture.At(obj, "metadata")["labels"] = map[string]any{"team": "a"} }, nil, false},
		"rollout restart": {func(obj map[string]any) {
			fixture.At(obj, "spec", "template", "metadata")["annotations"] = map[string]any{"kubectl.kubernetes.io/restartedAt": "2026-12-07T10:00:00Z"}
		}, []string{"image-tag-pinned"}, true},
		// A template that now breaks nothing is admitted; there is no rollout to judge.
		"set image to a pinned tag": {func(obj map[string]any) {
			fixture.At(obj, "spec", "template", "spec", "containers", 0)["image"] = "nginx:1.27.3"
		}, nil, false},
	} {
		deny, rollsOut := change(tc.edit)
		if !slices.Equal(deny, tc.deny) || rollsOut != tc.rollsOut {
			t.Errorf("%s: denied for %v (template changed %v), want %v (%v)", name, deny, rollsOut, tc.deny, tc.rollsOut)
		}
	}
	// kubectl set image to another :latest image: the template changes and it is judged in full.
	deny, _ := change(func(obj map[string]any) {
		fixture.At(obj, "spec", "template", "spec", "containers", 0)["image"] = "httpd:latest"
	})
	if !slices.Equal(deny, []string{"image-tag-pinned"}) {
		t.Errorf("set image to another :latest image: denied for %v, want image-tag-pinned", deny)
	}
}
