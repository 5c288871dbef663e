package policies

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestOptions configure RunTests.
type TestOptions struct {
	// PolicyDirs are laid over the embedded library, as for the engine; their _test.rego files
	// run too.
	PolicyDirs []string
	// Run selects tests by a regular expression on their names; all when empty.
	Run string
	// Verbose prints every test, not only failures.
	Verbose bool
	// Coverage prints the share of policy lines the tests evaluate, per file and overall.
	Coverage bool
	// Threshold fails the run when overall coverage (percent) is below it; 0 disables.
	Threshold float64
	// Evaluator is the evaluator the tests run on: Auto (the default) runs them on the one
	// `podpolicy serve` would use for this policy set.
	Evaluator Evaluator
	// SkipTopdownComparison stops the tests from also running on OPA's topdown, where any test
	// whose outcome differs is a failure.
	SkipTopdownComparison bool
}

// TestSummary counts the outcome of a test run.
type TestSummary struct {
	Passed, Failed, Errored int
	// Differ counts the tests whose outcome on the compiled evaluator and on topdown differ.
	Differ   int
	Coverage float64
	// Evaluator is what the tests ran on.
	Evaluator Evaluator
}

// OK reports whether every test passed on both evaluators and coverage met the threshold.
func (s TestSummary) OK(threshold float64) bool {
	return s.Failed == 0 && s.Errored == 0 && s.Differ == 0 && s.Passed > 0 && s.Coverage >= threshold
}

// RunTests runs the Rego unit tests of the embedded library and of opts.PolicyDirs with the
// default config as data, on the evaluator serve would use for the policy set, and (unless
// asked not to) on OPA's topdown too, reporting every test whose outcome differs. It writes a
// report to w.
func RunTests(ctx context.Context, opts TestOptions, w io.Writer) (TestSummary, error) {
	set, lib, err := build(ctx, Options{PolicyDirs: opts.PolicyDirs, Evaluator: opts.Evaluator})
	if err != nil {
		return TestSummary{}, err
	}
	summary := TestSummary{Evaluator: set.evaluator, Coverage: 100}
	var compiled []*tester.Result
	if set.evaluator == Compiled {
		if compiled, err = runCompiledTests(ctx, set, lib, opts.Run); err != nil {
			return summary, err
		}
	}
	var topdownResults []*tester.Result
	var coverage *cover.Cover
	if set.evaluator == Topdown || !opts.SkipTopdownComparison || opts.Coverage || opts.Threshold > 0 || slices.ContainsFunc(compiled, leftToTopdown) {
		if topdownResults, coverage, err = runTopdownTests(ctx, set, lib, opts); err != nil {
			return summary, err
		}
	}
	results := topdownResults
	if set.evaluator == Compiled {
		fmt.Fprintln(w, "tests run on the compiled evaluator, as podpolicy serve runs these policies")
		results = withTopdownOnly(compiled, topdownResults)
	} else {
		fmt.Fprintf(w, "tests run on OPA's topdown, as podpolicy serve runs these policies: %s\n", orAsked(set.fallback))
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
	if set.evaluator == Compiled && !opts.SkipTopdownComparison {
		summary.Differ = compareOutcomes(w, compiled, topdownResults)
	}
	if coverage != nil {
		cov := policyCoverage(coverage.Report(lib.modules))
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

// runTopdownTests runs the tests with OPA's own test runner, collecting coverage when asked.
func runTopdownTests(ctx context.Context, set *policySet, lib *library, opts TestOptions) ([]*tester.Result, *cover.Cover, error) {
	store := configStore(set.config)
	var coverage *cover.Cover
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithStrict(true).WithEnablePrintStatements(true)).
		SetStore(store).
		SetModules(lib.withTests()).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		SetTimeout(testTimeout).
		Filter(opts.Run)
	if opts.Coverage || opts.Threshold > 0 {
		coverage = cover.New()
		runner = runner.SetCoverageQueryTracer(coverage)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("run tests: %w", err)
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	return results, coverage, nil
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
		if strings.HasSuffix(name, testFileSuffix) {
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
