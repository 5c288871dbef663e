package regotest

import (
	"context"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/library"
)

// TestLibraryTestsPassOnTheCompiledEvaluator runs every Rego unit test of the library (they
// use `with`, fixtures and every rule, denying and allowing) through the compiled evaluator,
// as `podpolicy test` does: a test that does not pass means the evaluator and OPA's topdown
// disagree.
func TestLibraryTestsPassOnTheCompiledEvaluator(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	results, err := runCompiledTests(context.Background(), &suite{lib: lib, engine: engine}, "")
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
