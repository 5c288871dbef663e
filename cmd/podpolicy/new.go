package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/podpolicy/podpolicy/policies/scaffold"
)

// runNew scaffolds what its first argument names: podpolicy new rule ID [--dir DIR].
func runNew(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("new", "rule ID [--dir DIR]", stderr)
	dir := fs.String("dir", ".", "the policy directory to write the rule's folder in (created when missing)")
	if len(args) > 0 && args[0] != "rule" && args[0] != "-h" && args[0] != "--help" {
		fmt.Fprintf(stderr, "podpolicy new: %q: write podpolicy new rule ID [--dir DIR]\n", args[0])
		return exitUsage
	}
	if len(args) > 0 && args[0] == "rule" {
		args = args[1:]
	}
	var positional []string
	for {
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "podpolicy new rule: give the rule's ID, such as podpolicy new rule allowed-registries --dir my-policies")
		return exitUsage
	}
	written, err := scaffold.Rule(*dir, positional[0])
	for _, path := range written {
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy new rule: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stdout, "\nNext:")
	w := tabwriter.NewWriter(stdout, 0, 0, 3, ' ', 0)
	fmt.Fprintf(w, "  podpolicy test %s\t# its Rego tests and cases, with the library's, on both evaluators\n", *dir)
	fmt.Fprintf(w, "  podpolicy lint %s\t# podpolicy's contract, and the bugs Regal finds\n", *dir)
	fmt.Fprintf(w, "  podpolicy check -f YOUR-MANIFESTS --policy-dir %s\t# the rule on your own objects, as the cluster judges them\n", *dir)
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "podpolicy new rule: %v\n", err)
		return exitUsage
	}
	return 0
}
