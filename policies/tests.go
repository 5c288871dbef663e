package policies

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
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
}

// TestSummary counts the outcome of a test run.
type TestSummary struct {
	Passed, Failed, Errored int
	Coverage                float64
}

// OK reports whether every test passed and coverage met the threshold.
func (s TestSummary) OK(threshold float64) bool {
	return s.Failed == 0 && s.Errored == 0 && s.Passed > 0 && s.Coverage >= threshold
}

// RunTests runs the Rego unit tests of the embedded library and of opts.PolicyDirs with the
// default config as data, the way `opa test` would, and writes a report to w.
func RunTests(ctx context.Context, opts TestOptions, w io.Writer) (TestSummary, error) {
	var summary TestSummary
	set, lib, err := build(ctx, Options{PolicyDirs: opts.PolicyDirs})
	if err != nil {
		return summary, err
	}
	store := inmem.NewFromObject(map[string]any{"podpolicy": map[string]any{"config": set.config.data}})
	modules := lib.withTests()

	var coverage *cover.Cover
	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithStrict(true).WithEnablePrintStatements(true)).
		SetStore(store).
		SetModules(modules).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		SetTimeout(10 * time.Second).
		Filter(opts.Run)
	if opts.Coverage || opts.Threshold > 0 {
		coverage = cover.New()
		runner = runner.SetCoverageQueryTracer(coverage)
	}
	results, err := runner.RunTests(ctx, nil)
	if err != nil {
		return summary, fmt.Errorf("run tests: %w", err)
	}
	var collected []*tester.Result
	relay := make(chan *tester.Result)
	go func() {
		defer close(relay)
		for r := range results {
			collected = append(collected, r)
			relay <- r
		}
	}()
	if err := (tester.PrettyReporter{Output: w, Verbose: opts.Verbose, FailureLine: true}).Report(relay); err != nil {
		return summary, fmt.Errorf("report tests: %w", err)
	}
	for _, r := range collected {
		switch {
		case r.Error != nil:
			summary.Errored++
		case r.Fail:
			summary.Failed++
		default:
			summary.Passed++
		}
	}
	if coverage != nil {
		report := policyCoverage(coverage.Report(lib.modules))
		summary.Coverage = report.Coverage
		writeCoverage(w, report, opts.Threshold)
	} else {
		summary.Coverage = 100
	}
	return summary, nil
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

func writeCoverage(w io.Writer, report cover.Report, threshold float64) {
	files := make([]string, 0, len(report.Files))
	for name := range report.Files {
		files = append(files, name)
	}
	sort.Strings(files)
	fmt.Fprintln(w, "coverage:")
	for _, name := range files {
		f := report.Files[name]
		fmt.Fprintf(w, "  %6.1f%%  %s", f.Coverage, name)
		if len(f.NotCovered) > 0 {
			fmt.Fprintf(w, "  (not covered: lines %s)", ranges(f.NotCovered))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %6.1f%%  total", report.Coverage)
	if threshold > 0 {
		fmt.Fprintf(w, " (threshold %.1f%%)", threshold)
	}
	fmt.Fprintln(w)
}

func ranges(rs []cover.Range) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += ", "
		}
		if r.Start.Row == r.End.Row {
			out += fmt.Sprint(r.Start.Row)
		} else {
			out += fmt.Sprintf("%d-%d", r.Start.Row, r.End.Row)
		}
	}
	return out
}
