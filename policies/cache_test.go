package policies

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// replica is a Pod as the ReplicaSet controller of Deployment web creates it, named name, with
// its pod spec edited by edit.
func replica(t testing.TB, name string, edit func(spec map[string]any)) map[string]any {
	spec := fixture.PodSpec(t)
	edit(spec)
	pod := fixture.Object(0, spec)
	meta := fixture.At(pod, "metadata")
	meta["name"], meta["generateName"] = name, "web-7c9d6b5f4-"
	meta["labels"] = map[string]any{"app": "web", "pod-template-hash": "7c9d6b5f4"}
	return pod
}

func unchanged(map[string]any) {}

// cacheDelta judges obj with e and with a cacheless engine of the same options, checks that
// the two verdicts are equal, and returns how many results e reused and computed for it.
func cacheDelta(t *testing.T, e, reference *Engine, obj map[string]any, c Context) (hits, misses int64, v *Verdict) {
	t.Helper()
	h0, m0 := e.DecisionCacheStats()
	v, err := judge(t, e, fixture.DeepCopy(obj).(map[string]any), c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := judge(t, reference, fixture.DeepCopy(obj).(map[string]any), c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v.Result, want.Result) || v.Mode != want.Mode || v.TemplateChanged != want.TemplateChanged {
		t.Errorf("with the decision cache the verdict is\n%+v\nwithout it\n%+v", v.Result, want.Result)
	}
	h1, m1 := e.DecisionCacheStats()
	return h1 - h0, m1 - m0, v
}

// TestReplicasShareADecision: the Pods a controller creates from one template differ in their
// names; when no rule read the name (a compliant Pod), the second replica reuses the first's
// results for both entry points, and gets the verdict it would have got anyway.
func TestReplicasShareADecision(t *testing.T) {
	e, reference := newTestEngine(t, Options{DecisionCache: true}), newTestEngine(t, Options{})
	c := Context{Namespace: "shop", Phases: Validate | Mutate, NamespaceLabels: func() map[string]string { return map[string]string{"team": "a"} }}
	if _, misses, _ := cacheDelta(t, e, reference, replica(t, "web-7c9d6b5f4-x2k4q", unchanged), c); misses != 2 {
		t.Fatalf("the first replica: %d evaluations, want both entry points evaluated", misses)
	}
	hits, misses, v := cacheDelta(t, e, reference, replica(t, "web-7c9d6b5f4-p8m2z", unchanged), c)
	if hits != 2 || misses != 0 || len(v.Violations) != 0 || len(v.Mutations) == 0 {
		t.Errorf("the second replica: %d reused, %d evaluated, verdict %+v; want both reused", hits, misses, v.Result)
	}
	if h, m := reference.DecisionCacheStats(); h != 0 || m != 0 {
		t.Errorf("an engine without DecisionCache kept results: %d reused, %d evaluated", h, m)
	}
}

// TestAResultThatReadTheNameIsNotShared: a rule that names the object in its fix (the
// exception to paste) read the name, so a second Pod that breaks it, alike but for its name, is
// evaluated for itself and its fix names it, not the first. (Pods made of a generateName are
// named by its pattern, the same for every replica.)
func TestAResultThatReadTheNameIsNotShared(t *testing.T) {
	e, reference := newTestEngine(t, Options{DecisionCache: true}), newTestEngine(t, Options{})
	pod := func(name string) map[string]any {
		p := replica(t, name, func(spec map[string]any) { spec["hostNetwork"] = true })
		delete(fixture.At(p, "metadata"), "generateName")
		return p
	}
	c := Context{Namespace: "shop"}
	cacheDelta(t, e, reference, pod("agent-1"), c)
	hits, misses, v := cacheDelta(t, e, reference, pod("agent-2"), c)
	if hits != 0 || misses != 1 {
		t.Errorf("the second replica: %d reused, %d evaluated; want it evaluated", hits, misses)
	}
	named := false
	for _, vi := range v.Violations {
		if vi.Rule == "host-namespaces" {
			named = strings.Contains(vi.Remediation, "agent-2") && !strings.Contains(vi.Remediation, "agent-1")
		}
	}
	if !named {
		t.Errorf("the second replica's host-namespaces fix does not name it: %+v", v.Violations)
	}
}

// TestEveryInputTheVerdictDependsOnMisses: a change to any member of the input document, the
// config or the policies is a new decision: each edit below is evaluated, never answered from
// the base Pod's result, and gets the verdict a cacheless engine gives it.
func TestEveryInputTheVerdictDependsOnMisses(t *testing.T) {
	e, reference := newTestEngine(t, Options{DecisionCache: true}), newTestEngine(t, Options{})
	base := replica(t, "web-7c9d6b5f4-x2k4q", unchanged)
	labels := func(l map[string]string) func() map[string]string { return func() map[string]string { return l } }
	baseContext := Context{Namespace: "shop", Phases: Validate | Mutate, NamespaceLabels: labels(map[string]string{"team": "a"})}
	cacheDelta(t, e, reference, base, baseContext)
	cases := map[string]struct {
		edit func(obj map[string]any)
		c    Context
	}{
		"input.namespace":       {unchangedObject, Context{Namespace: "other", Phases: Validate | Mutate, NamespaceLabels: labels(map[string]string{"team": "a"})}},
		"input.namespaceLabels": {unchangedObject, Context{Namespace: "shop", Phases: Validate | Mutate, NamespaceLabels: labels(map[string]string{"team": "b"})}},
		"input.operation":       {unchangedObject, Context{Operation: "UPDATE", Namespace: "shop", NamespaceLabels: labels(map[string]string{"team": "a"})}},
		"input.generateName":    {func(obj map[string]any) { fixture.At(obj, "metadata")["generateName"] = "api-5d8f9-" }, baseContext},
		"input.pod.metadata":    {func(obj map[string]any) { fixture.At(obj, "metadata", "labels")["app"] = "api" }, baseContext},
		"input.pod.spec":        {func(obj map[string]any) { fixture.At(obj, "spec", "containers", 0)["image"] = "nginx:latest" }, baseContext},
		"input.kind and input.runsToCompletion": {func(obj map[string]any) {
			job := fixture.Object(6, fixture.PodSpec(t)) // a Job's template
			for k := range obj {
				delete(obj, k)
			}
			for k, v := range job {
				obj[k] = v
			}
			fixture.At(obj, "spec", "template", "spec")["restartPolicy"] = "Never"
		}, baseContext},
	}
	// Every member of the input document is changed by a case (the watched name by
	// TestAResultThatReadTheNameIsNotShared), so a member added to it later fails here until a
	// case shows that changing it misses.
	covered := map[string]bool{"name": true}
	for name := range cases {
		for _, member := range strings.Split(name, " and ") {
			covered[strings.Split(strings.TrimPrefix(member, "input."), ".")[0]] = true
		}
	}
	for _, key := range inputValue(&normalize.Input{Pod: ast.NewObject()}).(ast.Object).Keys() {
		if member, _ := key.Value.(ast.String); !covered[string(member)] {
			t.Errorf("no case changes input.%s", string(member))
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obj := fixture.DeepCopy(base).(map[string]any)
			tc.edit(obj)
			if hits, _, _ := cacheDelta(t, e, reference, obj, tc.c); hits != 0 {
				t.Errorf("answered %d time(s) from an earlier result", hits)
			}
		})
	}
	if fixture.Kinds[6].Kind != "Job" {
		t.Fatalf("fixture kind 6 is %s, want Job", fixture.Kinds[6].Kind)
	}

	// A reloaded config (or policy directory) is a new policy set, with no results kept.
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, "rules:\n  image-tag-pinned: {action: warn}\n")
	reloading := newTestEngine(t, Options{ConfigFile: path, DecisionCache: true})
	cacheDelta(t, reloading, reference, base, baseContext)
	if hits, _, _ := cacheDelta(t, reloading, reference, base, baseContext); hits != 2 {
		t.Fatalf("the same Pod again: %d reused, want 2", hits)
	}
	writeFile(t, path, "rules:\n  image-tag-pinned: {action: deny}\n")
	if err := reloading.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if hits, misses, _ := cacheDelta(t, reloading, reference, base, baseContext); hits != 0 || misses != 2 {
		t.Errorf("after a reload: %d reused, %d evaluated; want both evaluated", hits, misses)
	}
}

func unchangedObject(map[string]any) {}

// TestTimeIsJudgedAfterTheCache: the query's result holds whatever the date; a rule's
// enforceFrom and an exception's expiry are applied to it afresh for every request, so the
// same Pod judged either side of a date reuses the result and still gets each date's verdict.
func TestTimeIsJudgedAfterTheCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, "rules:\n  image-tag-pinned: {action: warn, enforceFrom: \"2027-03-01\"}\n")
	e := newTestEngine(t, Options{ConfigFile: path, DecisionCache: true})
	reference := newTestEngine(t, Options{ConfigFile: path})
	pod := replica(t, "web-7c9d6b5f4-x2k4q", func(spec map[string]any) { fixture.At(spec, "containers", 0)["image"] = "nginx:latest" })
	before := time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC)
	_, _, v := cacheDelta(t, e, reference, pod, Context{Namespace: "shop", At: before})
	if got := ruleIDs(v.Violations, Warn); len(got) != 1 {
		t.Errorf("before enforceFrom: warned for %v", got)
	}
	hits, _, v := cacheDelta(t, e, reference, pod, Context{Namespace: "shop", At: before.AddDate(0, 0, 2)})
	if got := ruleIDs(v.Violations, Deny); hits != 1 || len(got) != 1 {
		t.Errorf("after enforceFrom: %d reused, denied for %v; want the result reused and denied", hits, got)
	}
}

// TestListedReplicasShareADecision: the background audit lists stored Pods, which differ
// between replicas also in the version the API server stored each at; when no rule read it,
// the replicas share one evaluation.
func TestListedReplicasShareADecision(t *testing.T) {
	e, reference := newTestEngine(t, Options{DecisionCache: true}), newTestEngine(t, Options{})
	c := Context{Operation: "CREATE", Namespace: "shop"}
	stored := func(name, uid, version, created, node string) map[string]any {
		pod := replica(t, name, func(spec map[string]any) { spec["nodeName"] = node })
		meta := fixture.At(pod, "metadata")
		meta["uid"], meta["resourceVersion"], meta["creationTimestamp"] = uid, version, created
		return pod
	}
	cacheDelta(t, e, reference, stored("web-7c9d6b5f4-x2k4q", "uid-1", "4711", "2026-12-07T10:00:01Z", "node-a"), c)
	if hits, misses, _ := cacheDelta(t, e, reference, stored("web-7c9d6b5f4-p8m2z", "uid-2", "4712", "2026-12-07T10:00:02Z", "node-b"), c); hits != 1 || misses != 0 {
		t.Errorf("the second stored replica: %d reused, %d evaluated; want it reused", hits, misses)
	}
}

// TestAResultThatReadTheVersionIsNotShared: a rule of the user's own that reads the version a
// Pod was stored at makes each replica's result its own, and names its own version.
func TestAResultThatReadTheVersionIsNotShared(t *testing.T) {
	testAResultThatReadAStoredValueIsNotShared(t, `violation contains {"path": "metadata.resourceVersion", "message": sprintf("stored at %s", [input.pod.metadata.resourceVersion])} if {
	input.pod.metadata.resourceVersion
}
`, func(pod map[string]any, value string) { fixture.At(pod, "metadata")["resourceVersion"] = value }, "4711", "4712")
}

// TestAResultThatReadTheNodeIsNotShared: the node is read by a key the rule computes, as the
// library reads the containers fields, and the result is still each replica's own.
func TestAResultThatReadTheNodeIsNotShared(t *testing.T) {
	testAResultThatReadAStoredValueIsNotShared(t, `violation contains {"path": "spec.nodeName", "message": sprintf("stored at %s", [node])} if {
	some field in ["nodeName"]
	node := input.pod.spec[field]
}
`, func(pod map[string]any, value string) { fixture.At(pod, "spec")["nodeName"] = value }, "node-a", "node-b")
}

// testAResultThatReadAStoredValueIsNotShared judges two replicas that differ only in a watched
// value the API server stores, set by set to first and second, with a rule that names it: the
// second is evaluated, not answered from the first, and each verdict names its own value.
func testAResultThatReadAStoredValueIsNotShared(t *testing.T, rule string, set func(pod map[string]any, value string), first, second string) {
	dir := t.TempDir()
	writeShapeRule(t, dir, rule)
	e, reference := newTestEngine(t, Options{PolicyDirs: []string{dir}, DecisionCache: true}), newTestEngine(t, Options{PolicyDirs: []string{dir}})
	c := Context{Operation: "CREATE", Namespace: "shop"}
	for i, value := range []string{first, second} {
		pod := replica(t, "web-7c9d6b5f4-x2k4q", unchanged)
		set(pod, value)
		hits, _, v := cacheDelta(t, e, reference, pod, c)
		if i == 1 && hits != 0 {
			t.Errorf("the replica stored at %s: %d reused; want it evaluated", value, hits)
		}
		found := false
		for _, vi := range v.Violations {
			found = found || (vi.Rule == "shape" && strings.Contains(vi.Message, "stored at "+value))
		}
		if !found {
			t.Errorf("the replica stored at %s: no violation naming it: %+v", value, v.Violations)
		}
	}
}
