// Package regotest runs the Rego unit tests and the manifest cases (package cases) of
// podpolicy's library and of policy directories, as `podpolicy test` does: on the evaluator
// serve would use for the policy set (the compiled one, or OPA's topdown for a set it refuses)
// and on topdown too, failing every test and case whose outcome differs; with coverage of the
// policy files.
package regotest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/cases"
	"github.com/podpolicy/podpolicy/policies/library"
)

// Options configure Run.
type Options struct {
	// PolicyDirs are laid over the embedded library, as for the engine; their _test.rego files
	// run too.
	PolicyDirs []string
	// Run selects tests by a regular expression on their names (data.<package>.<test>), and
	// cases by one on their file and name (<file>: <name>); all when empty.
	Run string
	// Verbose prints every test, not only failures.
	Verbose bool
	// Coverage prints the share of policy lines the tests evaluate, per file and overall.
	Coverage bool
	// Threshold fails the run when overall coverage (percent) is below it; 0 disables.
	Threshold float64
	// Evaluator is the evaluator the tests run on: Auto (the default) runs them on the one
	// `podpolicy serve` would use for this policy set.
	Evaluator policies.Evaluator
	// SkipTopdownComparison stops the tests from also running on OPA's topdown, where any test
	// whose outcome differs is a failure.
	SkipTopdownComparison bool
}

// Summary counts the outcome of a test run.
type Summary struct {
	Passed, Failed, Errored int
	// CasesPassed, CasesFailed and CasesErrored count the manifest cases.
	CasesPassed, CasesFailed, CasesErrored int
	// Differ counts the tests and cases whose outcome on the compiled evaluator and on
	// topdown differ.
	Differ   int
	Coverage float64
	// Evaluator is what the tests ran on.
	Evaluator policies.Evaluator
}

// OK reports whether every test and case passed on both evaluators and coverage met the
// threshold.
func (s Summary) OK(threshold float64) bool {
	return s.Failed == 0 && s.Errored == 0 && s.CasesFailed == 0 && s.CasesErrored == 0 && s.Differ == 0 &&
		s.Passed+s.CasesPassed > 0 && s.Coverage >= threshold
}

// Ran counts the tests and cases that ran.
func (s Summary) Ran() int {
	return s.Passed + s.Failed + s.Errored + s.CasesPassed + s.CasesFailed + s.CasesErrored + s.Differ
}

// suite is what the tests run against: the library, its tests, and the engine serve would
// run for it (which says the evaluator and holds the default config).
type suite struct {
	lib    *library.Library
	engine *policies.Engine
}

// data is the default config as the policies read it.
func (s *suite) data() map[string]any {
	return map[string]any{"podpolicy": map[string]any{"config": s.engine.Config().Data()}}
}

// Run runs the Rego unit tests of the embedded library and of opts.PolicyDirs with the
// default config as data, on the evaluator serve would use for the policy set, and (unless
// asked not to) on OPA's topdown too, reporting every test whose outcome differs. It writes a
// report to w. A policy set the engine does not load is an error: no test of a rule the
// engine would refuse passes.
func Run(ctx context.Context, opts Options, w io.Writer) (Summary, error) {
	engine, err := policies.New(ctx, policies.Options{PolicyDirs: opts.PolicyDirs, Evaluator: opts.Evaluator})
	if err != nil {
		return Summary{}, err
	}
	lib, err := library.Load(opts.PolicyDirs)
	if err != nil {
		return Summary{}, err
	}
	s := &suite{lib: lib, engine: engine}
	testCases, err := cases.Load(opts.PolicyDirs, lib)
	if err != nil {
		return Summary{}, err
	}
	if testCases, err = selectCases(testCases, opts.Run); err != nil {
		return Summary{}, err
	}
	evaluator := engine.Evaluator()
	summary := Summary{Evaluator: evaluator, Coverage: 100}
	var compiled []*tester.Result
	if evaluator == policies.Compiled {
		if compiled, err = runCompiledTests(ctx, s, opts.Run); err != nil {
			return summary, err
		}
	}
	var coverage *cover.Cover
	if opts.Coverage || opts.Threshold > 0 {
		coverage = cover.New()
	}
	var topdownResults []*tester.Result
	if evaluator == policies.Topdown || !opts.SkipTopdownComparison || coverage != nil || slices.ContainsFunc(compiled, leftToTopdown) {
		if topdownResults, err = runTopdownTests(ctx, s, opts, coverage); err != nil {
			return summary, err
		}
	}
	results := topdownResults
	if evaluator == policies.Compiled {
		fmt.Fprintln(w, "tests run on the compiled evaluator, as podpolicy serve runs these policies")
		results = withTopdownOnly(compiled, topdownResults)
	} else {
		fmt.Fprintf(w, "tests run on OPA's topdown, as podpolicy serve runs these policies: %s\n", orAsked(engine.EvaluatorFallback()))
	}
	if err := report(w, results, opts.Verbose); err != nil {
		return summary, err
	}
	for _, r := range results {
		switch outcomeOf(r) {
		case outcomeError:
			summary.Errored++
		case outcomeFail:
			summary.Failed++
		case outcomePass:
			summary.Passed++
		}
	}
	if evaluator == policies.Compiled && !opts.SkipTopdownComparison {
		summary.Differ = compareOutcomes(w, compiled, topdownResults)
	}
	runCases(ctx, w, testCases, newCaseRunners(opts, evaluator, coverage), opts.Verbose, &summary)
	if coverage != nil {
		cov := policyCoverage(coverage.Report(lib.Modules))
		summary.Coverage = cov.Coverage
		writeCoverage(w, cov, opts.Threshold)
	}
	return summary, nil
}

func orAsked(fallback string) string {
	if fallback == "" {
		return "asked for with --evaluator"
	}
	return fallback
}

// withTopdownOnly replaces the tests the compiled evaluator left to topdown by their topdown
// results.
func withTopdownOnly(compiled, topdown []*tester.Result) []*tester.Result {
	byName := make(map[string]*tester.Result, len(topdown))
	for _, r := range topdown {
		byName[testName(r)] = r
	}
	out := make([]*tester.Result, len(compiled))
	for i, r := range compiled {
		out[i] = r
		if other, ok := byName[testName(r)]; ok && leftToTopdown(r) {
			out[i] = other
		}
	}
	return out
}

// report writes results as OPA's test runner does.
func report(w io.Writer, results []*tester.Result, verbose bool) error {
	ch := make(chan *tester.Result, len(results))
	for _, r := range results {
		ch <- r
	}
	close(ch)
	if err := (tester.PrettyReporter{Output: w, Verbose: verbose, FailureLine: true}).Report(ch); err != nil {
		return fmt.Errorf("report tests: %w", err)
	}
	return nil
}

// runTopdownTests runs the tests with OPA's own test runner, collecting coverage into coverage
// when it is not nil.
func runTopdownTests(ctx context.Context, s *suite, opts Options, coverage *cover.Cover) ([]*tester.Result, error) {
	store := inmem.NewFromObject(s.data())
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithStrict(true).WithEnablePrintStatements(true)).
		SetStore(store).
		SetModules(s.lib.WithTests()).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		SetTimeout(testTimeout).
		Filter(opts.Run)
	if coverage != nil {
		runner = runner.SetCoverageQueryTracer(coverage)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("run tests: %w", err)
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	return results, nil
}

// compareOutcomes writes every test whose outcome on the compiled evaluator differs from its
// outcome on topdown, and returns how many do.
func compareOutcomes(w io.Writer, compiled, topdown []*tester.Result) int {
	byName := make(map[string]*tester.Result, len(topdown))
	for _, r := range topdown {
		byName[testName(r)] = r
	}
	differ, compared := 0, 0
	for _, r := range compiled {
		other, ok := byName[testName(r)]
		if !ok || leftToTopdown(r) {
			continue
		}
		compared++
		if a, b := outcomeOf(r), outcomeOf(other); a != b {
			differ++
			fmt.Fprintf(w, "DIFFERS: %s: %s on the compiled evaluator, %s on OPA's topdown\n", testName(r), a, b)
		}
	}
	if differ == 0 {
		fmt.Fprintf(w, "OPA's topdown agrees on all %d tests\n", compared)
	} else {
		fmt.Fprintf(w, "OPA's topdown disagrees on %d of %d tests: the compiled evaluator is wrong there; report it\n", differ, compared)
	}
	return differ
}

func testName(r *tester.Result) string { return r.Package + "." + r.Name }

// outcome is what a test came to.
type outcome string

const (
	outcomePass  outcome = "PASS"
	outcomeFail  outcome = "FAIL"
	outcomeError outcome = "ERROR"
	outcomeSkip  outcome = "SKIPPED"
)

func outcomeOf(r *tester.Result) outcome {
	switch {
	case r.Skip:
		return outcomeSkip
	case r.Error != nil:
		return outcomeError
	case r.Fail:
		return outcomeFail
	}
	return outcomePass
}

// policyCoverage drops the test files from a coverage report and recomputes the total over
// the policy files alone.
func policyCoverage(report cover.Report) cover.Report {
	out := cover.Report{Files: map[string]*cover.FileReport{}}
	for name, f := range report.Files {
		if strings.HasSuffix(name, library.TestFileSuffix) {
			continue
		}
		out.Files[name] = f
		out.CoveredLines += f.CoveredLines
		out.NotCoveredLines += f.NotCoveredLines
	}
	if total := out.CoveredLines + out.NotCoveredLines; total > 0 {
		out.Coverage = 100 * float64(out.CoveredLines) / float64(total)
	}
	return out
}
