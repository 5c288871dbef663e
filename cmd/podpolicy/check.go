package main

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/go-logr/logr"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/check"
)

func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", "-f FILE|DIR|- [-f ...] [flags]", stderr)
	var files, policyDirs stringList
	fs.Var(&files, "f", "manifest file, directory (walked for .yaml, .yml, .json) or - for stdin; repeatable")
	fs.Var(&policyDirs, "policy-dir", "directory of extra or overriding Rego policies; repeatable")
	configFile := fs.String("config", "", "config file (rule actions and settings, exceptions, mutation settings)")
	evaluator := fs.String("evaluator", string(policies.Auto), evaluatorUsage)
	output := fs.String("o", "text", "output format: text, json or sarif")
	namespace := namespaceFlag(fs, check.DefaultNamespace, "namespace of the objects that name none, as kubectl apply -n would create them")
	jobs := fs.Int("j", runtime.GOMAXPROCS(0), "documents judged at once; the output is in input order and the same whatever -j")
	at := fs.String("at", "", "judge as of this date (2027-03-02) or RFC 3339 time: rules' enforceFrom and exceptions' expires; now when empty")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if len(files) == 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "podpolicy check: give the manifests with -f (FILE, DIR or -)")
		fs.Usage()
		return exitUsage
	}
	if *output != "text" && *output != "json" && *output != "sarif" {
		fmt.Fprintf(stderr, "podpolicy check: -o %q: want text, json or sarif\n", *output)
		return exitUsage
	}
	if *jobs < 1 {
		fmt.Fprintf(stderr, "podpolicy check: -j %d: want 1 or more\n", *jobs)
		return exitUsage
	}
	now, err := clockAt(*at)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy check: --at: %v\n", err)
		return exitUsage
	}
	tuneGC(logr.Discard(), checkMemoryLimit(*jobs, *output))
	engine, err := policies.New(ctx, policies.Options{PolicyDirs: policyDirs, ConfigFile: *configFile, Evaluator: policies.Evaluator(*evaluator), Now: now})
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy check: %v\n", err)
		return check.ExitError
	}
	if fallback := engine.EvaluatorFallback(); fallback != "" && *output == "text" {
		fmt.Fprintf(stderr, "podpolicy check: the policies run on OPA's topdown: %s\n", fallback)
	}
	// Text and JSON are written object by object as the input is read, so memory does not
	// grow with the input; SARIF lists the results under one run, so they are kept.
	var out check.Output
	switch *output {
	case "json":
		out = check.NewJSONOutput(stdout, engine)
	case "text":
		out = check.NewTextOutput(stdout)
	}
	opts := check.StreamOptions{Namespace: *namespace, Jobs: *jobs, Keep: out == nil}
	var emit func(*check.ObjectResult) error
	if out != nil {
		emit = out.Object
	}
	report, err := check.Stream(ctx, engine, files, stdin, opts, emit)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy check: write report: %v\n", err)
		return check.ExitError
	}
	return writeReport("check", report, out, *output, engine, stdout, stderr)
}
