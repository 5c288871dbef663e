package main

import (
	"context"
	"fmt"
	"io"

	"github.com/podpolicy/podpolicy/policies"
)

func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("test", "[flags] [DIR ...]", stderr)
	var opts policies.TestOptions
	fs.BoolVar(&opts.Verbose, "v", false, "print every test, not only failures")
	fs.BoolVar(&opts.Coverage, "coverage", false, "print the share of policy lines the tests evaluate")
	fs.Float64Var(&opts.Threshold, "threshold", 0, "fail when total coverage (percent) is below this; implies --coverage")
	fs.StringVar(&opts.Run, "run", "", "run only the tests whose names match this regular expression")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	opts.PolicyDirs = fs.Args()
	summary, err := policies.RunTests(ctx, opts, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy test: %v\n", err)
		return exitUsage
	}
	if !summary.OK(opts.Threshold) {
		if summary.Passed+summary.Failed+summary.Errored == 0 {
			fmt.Fprintln(stderr, "podpolicy test: no tests ran")
		}
		return 1
	}
	return 0
}
