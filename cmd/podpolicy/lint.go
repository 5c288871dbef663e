package main

import (
	"context"
	"fmt"
	"io"

	"github.com/podpolicy/podpolicy/policies/lint"
)

// runLint lints policy directories (the embedded library without one): exit 0 when clean, 1
// with findings, 2 when the policies could not be read.
func runLint(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lint", "[-o text|json] [DIR ...]", stderr)
	output := fs.String("o", "text", "output format: text or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *output != "text" && *output != "json" {
		fmt.Fprintf(stderr, "podpolicy lint: -o %q: want text or json\n", *output)
		return exitUsage
	}
	report, err := lint.Run(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy lint: %v\n", err)
		return exitUsage
	}
	write := report.WriteText
	if *output == "json" {
		write = report.WriteJSON
	}
	if err := write(stdout); err != nil {
		fmt.Fprintf(stderr, "podpolicy lint: %v\n", err)
		return exitUsage
	}
	if len(report.Findings) > 0 {
		return 1
	}
	return 0
}
