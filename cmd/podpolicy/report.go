package main

import (
	"fmt"
	"io"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/check"
)

// writeReport writes a finished report as check and audit do, and returns the exit code: the
// end of an output streamed object by object (streamed), or else the whole report in the
// output format; for the machine formats the errors go to stderr too, which text lists
// inline.
func writeReport(command string, r *check.Report, streamed check.Output, output string, engine *policies.Engine, stdout, stderr io.Writer) int {
	var err error
	switch {
	case streamed != nil:
		err = streamed.Finish(r)
	case output == "sarif":
		err = r.WriteSARIF(stdout, version(), engine.Rules(), engine.Config())
	case output == "json":
		err = r.WriteJSON(stdout)
	default:
		err = r.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy %s: write report: %v\n", command, err)
		return check.ExitError
	}
	if output != "text" {
		for _, e := range r.Errors {
			fmt.Fprintf(stderr, "error: %v\n", e)
		}
	}
	return r.ExitCode()
}
