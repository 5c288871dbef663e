package policies

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/vm"
)

// TestLibraryTestsPassOnTheCompiledEvaluator runs every Rego unit test of the library (they
// use `with`, fixtures and every rule, denying and allowing) through the compiled evaluator:
// a test whose result is not true means the evaluator and OPA's topdown disagree.
func TestLibraryTestsPassOnTheCompiledEvaluator(t *testing.T) {
	lib, err := loadLibrary(nil)
	if err != nil {
		t.Fatal(err)
	}
	compiler := ast.NewCompiler().WithStrict(true)
	if compiler.Compile(lib.withTests()); compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	data, err := ast.InterfaceToValue(map[string]any{"podpolicy": map[string]any{"config": newTestEngine(t, Options{}).Config().data}})
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, m := range lib.tests {
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if !strings.HasPrefix(name, "test_") {
				continue
			}
			query := m.Package.Path.String() + "." + name
			t.Run(strings.TrimPrefix(query, "data.podpolicy."), func(t *testing.T) {
				plan, err := vm.Plan(context.Background(), compiler, query)
				if err != nil {
					t.Fatal(err)
				}
				program, err := vm.Load(plan, data)
				if err != nil {
					t.Fatal(err)
				}
				got, err := program.Eval(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				if got == nil || !got.Equal(ast.BooleanTerm(true)) {
					t.Errorf("%s is %v on the compiled evaluator, want true", query, got)
				}
			})
			ran++
		}
	}
	if ran < 100 {
		t.Errorf("ran %d library tests, want all 100 or more", ran)
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
				in, err := NewInput(deepCopy(obj).(map[string]any), op)
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
