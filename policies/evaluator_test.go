package policies

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/test/fixture"
)

// TestCompiledEvaluatorAgreesWithTopdown evaluates every breaker on every kind, the compliant
// spec, a Windows Pod, the article's Pod, an UPDATE and non-default configs (one of them the
// baseline level) with both evaluators and requires identical results: violations, messages,
// paths and patches.
func TestCompiledEvaluatorAgreesWithTopdown(t *testing.T) {
	spec := fixture.PodSpec(t)
	windows := fixture.WindowsPodSpec(t)
	var objects []map[string]any
	for i := range fixture.Kinds {
		objects = append(objects, fixture.Object(i, spec), fixture.Object(i, windows))
		for _, b := range breakers {
			broken := fixture.DeepCopy(spec).(map[string]any)
			b.breakIt(broken)
			objects = append(objects, fixture.Object(i, broken))
		}
	}
	objects = append(objects, articlePod())

	configs := []string{"", filepath.Join("testdata", "config", "full.yaml"), filepath.Join("testdata", "config", "baseline.yaml")}
	compared := 0
	for _, config := range configs {
		compiled := newTestEngine(t, Options{ConfigFile: config, Evaluator: Compiled})
		topdown := newTestEngine(t, Options{ConfigFile: config, Evaluator: Topdown})
		for _, obj := range objects {
			for _, op := range []string{"CREATE", "UPDATE"} {
				c := Context{Operation: op, Namespace: "shop", Phases: Validate | Mutate}
				want, err := judge(t, topdown, fixture.DeepCopy(obj).(map[string]any), c)
				if err != nil {
					t.Fatal(err)
				}
				got, err := judge(t, compiled, fixture.DeepCopy(obj).(map[string]any), c)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Result, want.Result) {
					t.Errorf("config %q, %s %s: the evaluators disagree\ncompiled: %+v\n topdown: %+v", config, op, got.Object.Kind, got.Result, want.Result)
				}
				compared++
			}
		}
	}
	t.Logf("%d evaluations agree", compared)
}

// TestUnknownEvaluatorIsRefused names the bad value.
func TestUnknownEvaluatorIsRefused(t *testing.T) {
	_, err := New(context.Background(), Options{Evaluator: "wasm"})
	if err == nil || !strings.Contains(err.Error(), `"wasm"`) {
		t.Fatalf("New with evaluator wasm: %v", err)
	}
}

// TestPolicySetTheCompiledEvaluatorRefusesRunsOnTopdown: a policy directory whose rule calls
// a built-in outside the compiled evaluator's allowlist loads on topdown by default, saying
// why; forcing the compiled evaluator fails to load it, naming the built-in.
func TestPolicySetTheCompiledEvaluatorRefusesRunsOnTopdown(t *testing.T) {
	dirs := []string{filepath.Join("testdata", "policy-topdown")}
	e := newTestEngine(t, Options{PolicyDirs: dirs})
	if e.Evaluator() != Topdown || !strings.Contains(e.EvaluatorFallback(), "built-in opa.runtime") {
		t.Errorf("evaluator %s, fallback %q: want topdown because of opa.runtime", e.Evaluator(), e.EvaluatorFallback())
	}
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a", "labels": map[string]any{"stage": "prod"}}}
	if _, err := judge(t, e, pod, Context{Phases: Validate | Mutate}); err != nil {
		t.Errorf("evaluate on topdown: %v", err)
	}
	_, err := New(context.Background(), Options{PolicyDirs: dirs, Evaluator: Compiled})
	if err == nil || !strings.Contains(err.Error(), "built-in opa.runtime") || !strings.Contains(err.Error(), "--evaluator=auto") {
		t.Errorf("forced compiled evaluator: error %v, want the refusal naming opa.runtime", err)
	}
	if library := newTestEngine(t, Options{}); library.Evaluator() != Compiled || library.EvaluatorFallback() != "" {
		t.Errorf("the library runs on %s (%q), want compiled", library.Evaluator(), library.EvaluatorFallback())
	}
}

// TestWalkPolicyFiresOnBothEvaluators: a custom rule built on the relation built-in walk
// finds every privileged container on either evaluator.
func TestWalkPolicyFiresOnBothEvaluators(t *testing.T) {
	obj := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers":     []any{map[string]any{"name": "a", "securityContext": map[string]any{"privileged": true}}},
			"initContainers": []any{map[string]any{"name": "b"}, map[string]any{"name": "c", "securityContext": map[string]any{"privileged": true}}},
		}}}}
	want := []string{"spec.template.spec.containers[0].securityContext.privileged", "spec.template.spec.initContainers[1].securityContext.privileged"}
	for _, evaluator := range []Evaluator{Compiled, Topdown} {
		e := newTestEngine(t, Options{PolicyDirs: []string{filepath.Join("testdata", "policy-walk")}, Evaluator: evaluator})
		result, err := judge(t, e, fixture.DeepCopy(obj).(map[string]any), Context{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range result.Violations {
			if v.Rule == "privileged-anywhere" {
				got = append(got, v.Path)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: privileged-anywhere at %v, want %v", evaluator, got, want)
		}
	}
}
