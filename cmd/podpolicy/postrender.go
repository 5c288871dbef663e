package main

import (
	"context"
	"fmt"
	"io"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/check"
)

// runPostRender is helm's post-renderer: it reads the manifests helm rendered for a release on
// stdin and judges them all, as podpolicy check does. When no object is denied it writes them
// to stdout unchanged and helm goes on; otherwise it writes every object's violations to
// stderr and fails, and helm creates nothing.
//
//	helm install web ./chart --post-renderer podpolicy --post-renderer-args post-render
func runPostRender(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("post-render", "[flags] < rendered manifests", stderr)
	var policyDirs stringList
	fs.Var(&policyDirs, "policy-dir", "directory of extra or overriding Rego policies; repeatable")
	configFile := fs.String("config", "", "config file (rule actions and settings, exceptions, mutation settings)")
	namespace := namespaceFlag(fs, check.DefaultNamespace, "namespace of the objects that name none: the release's namespace (helm --namespace)")
	evaluator := fs.String("evaluator", string(policies.Auto), evaluatorUsage)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "podpolicy post-render: unexpected arguments %v\n", fs.Args())
		return exitUsage
	}
	rendered, err := io.ReadAll(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy post-render: read the rendered manifests: %v\n", err)
		return check.ExitError
	}
	engine, err := policies.New(ctx, policies.Options{PolicyDirs: policyDirs, ConfigFile: *configFile, Evaluator: policies.Evaluator(*evaluator)})
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy post-render: %v\n", err)
		return check.ExitError
	}
	report := check.PostRender(ctx, engine, rendered, *namespace)
	if code := report.ExitCode(); code != check.ExitOK {
		fmt.Fprintln(stderr, "podpolicy refuses the release; nothing was created:")
		if err := report.WriteText(stderr); err != nil {
			fmt.Fprintf(stderr, "podpolicy post-render: write report: %v\n", err)
		}
		return code
	}
	if _, err := stdout.Write(rendered); err != nil {
		fmt.Fprintf(stderr, "podpolicy post-render: write the manifests: %v\n", err)
		return check.ExitError
	}
	return check.ExitOK
}
