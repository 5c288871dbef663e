package policies

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLibraryTestsPassOnTheCompiledEvaluator runs every Rego unit test of the library (they
// use `with`, fixtures and every rule, denying and allowing) through the compiled evaluator,
// as `podpolicy test` does: a test that does not pass means the evaluator and OPA's topdown
// disagree.
func TestLibraryTestsPassOnTheCompiledEvaluator(t *testing.T) {
	set, lib, err := build(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	results, err := runCompiledTests(context.Background(), set, lib, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if outcomeOf(r) != outcomePass {
			t.Errorf("%s is %s on the compiled evaluator (%v, %s)", testName(r), outcomeOf(r), r.Error, r.Output)
		}
	}
	if len(results) < 100 {
		t.Errorf("ran %d library tests, want all 100 or more", len(results))
	}
}

// TestCompiledEvaluatorAgreesWithTopdown evaluates every breaker on every kind, the compliant
// spec, a Windows Pod, the article's Pod, an UPDATE and non-default configs (one of them the
// baseline level) with both evaluators and requires identical results: violations, messages,
// paths and patches.
func TestCompiledEvaluatorAgreesWithTopdown(t *testing.T) {
	spec := readYAML(t, "testdata/pod-spec.yaml")
	windows := readYAML(t, "testdata/windows-pod-spec.yaml")
	var objects []map[string]any
	for i := range kinds {
		objects = append(objects, object(i, spec), object(i, windows))
		for _, b := range breakers {
			broken := deepCopy(spec).(map[string]any)
			b.breakIt(broken)
			objects = append(objects, object(i, broken))
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
				in, err := newInput(t, deepCopy(obj).(map[string]any), op)
				if err != nil {
					t.Fatal(err)
				}
				in.Namespace = "shop"
				want, err := topdown.Evaluate(context.Background(), in, Validate|Mutate)
				if err != nil {
					t.Fatal(err)
				}
				got, err := compiled.Evaluate(context.Background(), in, Validate|Mutate)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("config %q, %s %s: the evaluators disagree\ncompiled: %+v\n topdown: %+v", config, op, in.Kind, got, want)
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
	in, err := newInput(t, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a", "labels": map[string]any{"stage": "prod"}}}, "CREATE")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Evaluate(context.Background(), in, Validate|Mutate); err != nil {
		t.Errorf("evaluate on topdown: %v", err)
	}
	_, err = New(context.Background(), Options{PolicyDirs: dirs, Evaluator: Compiled})
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
		in, err := newInput(t, deepCopy(obj).(map[string]any), "CREATE")
		if err != nil {
			t.Fatal(err)
		}
		result, err := e.Evaluate(context.Background(), in, Validate)
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
