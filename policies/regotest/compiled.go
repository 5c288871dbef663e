package regotest

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/podpolicy/podpolicy/policies/vm"
)

// testTimeout bounds one Rego test, on either evaluator.
const testTimeout = 10 * time.Second

// runCompiledTests runs every test rule (test_*) of the library's and the policy directories'
// test modules on the compiled evaluator, each as its own planned query with the config as
// data, as serve evaluates the policies. A test the evaluator cannot plan or load, or a
// parameterised one, is left to topdown and reported as skipped with the reason.
func runCompiledTests(ctx context.Context, s *suite, filter string) ([]*tester.Result, error) {
	var match *regexp.Regexp
	if filter != "" {
		var err error
		if match, err = regexp.Compile(filter); err != nil {
			return nil, fmt.Errorf("run tests: %w", err)
		}
	}
	compiler := ast.NewCompiler().WithStrict(true)
	if compiler.Compile(s.lib.WithTests()); compiler.Failed() {
		return nil, fmt.Errorf("compile tests: %w", compiler.Errors)
	}
	data, err := ast.InterfaceToValue(s.data())
	if err != nil {
		return nil, fmt.Errorf("config as data: %w", err)
	}
	var results []*tester.Result
	for _, name := range slices.Sorted(maps.Keys(s.lib.Tests)) {
		module := s.lib.Tests[name]
		seen := map[string]bool{}
		for _, rule := range module.Rules {
			test := rule.Head.Ref().String()
			if seen[test] || !strings.HasPrefix(test, tester.TestPrefix) && !strings.HasPrefix(test, tester.SkipTestPrefix) {
				continue
			}
			seen[test] = true
			query := module.Package.Path.String() + "." + test
			if match != nil && !match.MatchString(query) {
				continue
			}
			results = append(results, runCompiledTest(ctx, compiler, data, module, rule, test, query))
		}
	}
	return results, nil
}

// topdownOnly starts the output of a test the compiled evaluator leaves to topdown.
const topdownOnly = "the compiled evaluator cannot run this test; OPA's topdown runs it"

// leftToTopdown reports whether the compiled evaluator left a test to topdown.
func leftToTopdown(r *tester.Result) bool {
	return r.Skip && strings.HasPrefix(string(r.Output), topdownOnly)
}

// runCompiledTest runs one test rule on the compiled evaluator.
func runCompiledTest(ctx context.Context, compiler *ast.Compiler, data ast.Value, module *ast.Module, rule *ast.Rule, test, query string) *tester.Result {
	r := &tester.Result{Location: rule.Loc(), Package: module.Package.Path.String(), Name: test}
	if strings.HasPrefix(test, tester.SkipTestPrefix) {
		r.Skip = true
		return r
	}
	if rule.Head.DocKind() == ast.PartialObjectDoc {
		r.Skip, r.Output = true, []byte(topdownOnly+": a parameterised test\n")
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	start := time.Now()
	plan, err := vm.Plan(ctx, compiler, query)
	var program *vm.Program
	if err == nil {
		program, err = vm.Load(plan, data)
	}
	if err != nil {
		r.Skip, r.Output = true, fmt.Appendf(nil, "%s: %v\n", topdownOnly, err)
		return r
	}
	value, err := program.Eval(ctx, nil)
	r.Duration = time.Since(start)
	switch {
	case err != nil:
		r.Error = err
	case value == nil || !value.Equal(ast.InternedTerm(true)):
		r.Fail = true
	}
	return r
}
