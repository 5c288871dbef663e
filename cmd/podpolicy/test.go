package main

import (
	"context"
	"fmt"
	"io"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/regotest"
)

func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("test", "[flags] [DIR ...]", stderr)
	var opts regotest.Options
	fs.BoolVar(&opts.Verbose, "v", false, "print every test and case, not only failures")
	fs.BoolVar(&opts.Coverage, "coverage", false, "print the share of policy lines the tests evaluate")
	fs.Float64Var(&opts.Threshold, "threshold", 0, "fail when total coverage (percent) of the tests and cases is below this; implies --coverage")
	fs.StringVar(&opts.Run, "run", "", "run only the tests (data.<package>.<test>) and cases (<file>: <name>) whose names match this regular expression")
	fs.StringVar((*string)(&opts.Evaluator), "evaluator", string(policies.Auto), "the evaluator the tests run on: auto (the one podpolicy serve would use for these policies), compiled or topdown")
	compare := fs.Bool("compare-topdown", true, "also run the tests and cases on OPA's topdown and fail every one whose outcome differs")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	opts.PolicyDirs = fs.Args()
	opts.SkipTopdownComparison = !*compare
	summary, err := regotest.Run(ctx, opts, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy test: %v\n", err)
		return exitUsage
	}
	if !summary.OK(opts.Threshold) {
		if summary.Ran() == 0 {
			fmt.Fprintln(stderr, "podpolicy test: no tests ran")
		}
		return 1
	}
	return 0
}
