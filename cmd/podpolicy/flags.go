package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/podpolicy/podpolicy/policies/config"
)

// exitUsage is the exit code of a usage error, shared by every command.
const exitUsage = 2

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// parseFlags parses a command's flags. ok is false when the command is done: after -h or
// --help (code 0, the usage printed) or at a bad flag (exitUsage, the error printed).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return 0, false
	case err != nil:
		return exitUsage, false
	}
	return 0, true
}

// namespaceFlag defines --namespace and its short form -n, as every Kubernetes CLI takes it.
func namespaceFlag(fs *flag.FlagSet, value, usage string) *string {
	namespace := fs.String("namespace", value, usage)
	fs.StringVar(namespace, "n", value, "short for --namespace")
	return namespace
}

// newFlagSet returns a flag set that reports errors instead of exiting, with a usage line.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: podpolicy %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// evaluatorUsage documents --evaluator, shared by serve and check.
const evaluatorUsage = "how the policies run: auto (the compiled evaluator, or OPA's topdown for a policy set it refuses), compiled (OPA's query plan, fast; refuses to load what it cannot run) or topdown (OPA's interpreter)"

// clockAt returns a clock stopped at a date (2027-03-02, the start of that day in UTC) or an
// RFC 3339 time; nil (the real clock) for "".
func clockAt(at string) (func() time.Time, error) {
	if at == "" {
		return nil, nil
	}
	t, err := config.ParseDate(at)
	if err != nil {
		return nil, err
	}
	return func() time.Time { return t }, nil
}
