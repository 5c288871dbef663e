package regotest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/cases"
)

// caseRunners judge the cases: on the evaluator serve would use, and on topdown when the
// outcomes are compared or coverage is collected.
type caseRunners struct {
	serve, topdown *cases.Runner
	// compare fails every case whose outcome on topdown differs.
	compare bool
}

// newCaseRunners returns the runners of a test run whose policies serve runs on evaluator.
func newCaseRunners(opts Options, evaluator policies.Evaluator, coverage *cover.Cover) caseRunners {
	var tracer topdown.QueryTracer
	if coverage != nil {
		tracer = coverage
	}
	if evaluator == policies.Topdown {
		return caseRunners{serve: &cases.Runner{Options: policies.Options{PolicyDirs: opts.PolicyDirs, Evaluator: policies.Topdown, Tracer: tracer}}}
	}
	r := caseRunners{serve: &cases.Runner{Options: policies.Options{PolicyDirs: opts.PolicyDirs, Evaluator: opts.Evaluator}}, compare: !opts.SkipTopdownComparison}
	if r.compare || coverage != nil {
		r.topdown = &cases.Runner{Options: policies.Options{PolicyDirs: opts.PolicyDirs, Evaluator: policies.Topdown, Tracer: tracer}}
	}
	return r
}

// selectCases keeps the cases whose full name (file: name) matches the --run expression.
func selectCases(all []*cases.Case, filter string) ([]*cases.Case, error) {
	if filter == "" {
		return all, nil
	}
	match, err := regexp.Compile(filter)
	if err != nil {
		return nil, fmt.Errorf("run tests: %w", err)
	}
	var out []*cases.Case
	for _, c := range all {
		if match.MatchString(c.FullName()) {
			out = append(out, c)
		}
	}
	return out, nil
}

// runCases judges every case, writes each failing one (each one when verbose) with what it
// expected and what it got, and counts them into summary.
func runCases(ctx context.Context, w io.Writer, all []*cases.Case, runners caseRunners, verbose bool, summary *Summary) {
	if len(all) == 0 {
		return
	}
	fmt.Fprintf(w, "cases: %d manifest cases\n", len(all))
	differ := 0
	for _, c := range all {
		out, err := runners.serve.Run(ctx, c)
		var lines []string
		status := "PASS"
		switch {
		case err != nil:
			status, lines = "ERROR", strings.Split(err.Error(), "\n")
			summary.CasesErrored++
		default:
			if lines = c.Mismatches(out); len(lines) > 0 {
				status = "FAIL"
				summary.CasesFailed++
			} else {
				summary.CasesPassed++
			}
		}
		if runners.topdown != nil {
			if difference := compareCase(ctx, runners.topdown, c, summary.Evaluator, out, err); runners.compare && difference != "" {
				differ++
				fmt.Fprintf(w, "DIFFERS: %s:%d: %s: %s\n", c.File, c.Line, c.Name, difference)
			}
		}
		if status == "PASS" && !verbose {
			continue
		}
		fmt.Fprintf(w, "%s:%d: %s: %s\n", c.File, c.Line, c.Name, status)
		for _, line := range lines {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	total := len(all)
	fmt.Fprintln(w, strings.Repeat("-", 80))
	for _, count := range []struct {
		name string
		n    int
	}{{"PASS", summary.CasesPassed}, {"FAIL", summary.CasesFailed}, {"ERROR", summary.CasesErrored}} {
		if count.n > 0 {
			fmt.Fprintf(w, "CASES %s: %d/%d\n", count.name, count.n, total)
		}
	}
	if runners.compare && runners.topdown != nil {
		if differ == 0 {
			fmt.Fprintf(w, "OPA's topdown agrees on all %d cases\n", total)
		} else {
			fmt.Fprintf(w, "OPA's topdown disagrees on %d of %d cases: the compiled evaluator is wrong there; report it\n", differ, total)
		}
	}
	summary.Differ += differ
}

// compareCase judges a case on topdown and says how its outcome differs from the one
// evaluator gave (out, or the error err); "" when it does not.
func compareCase(ctx context.Context, topdown *cases.Runner, c *cases.Case, evaluator policies.Evaluator, out *cases.Outcome, err error) string {
	other, otherErr := topdown.Run(ctx, c)
	switch {
	case err != nil && otherErr != nil:
		return ""
	case err != nil:
		return fmt.Sprintf("an error on %s (%v), judged on topdown", evaluator, err)
	case otherErr != nil:
		return fmt.Sprintf("judged on %s, an error on topdown (%v)", evaluator, otherErr)
	}
	if same, difference := cases.Same(out, other); !same {
		return difference
	}
	return ""
}
