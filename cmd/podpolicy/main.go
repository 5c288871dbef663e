// Command podpolicy is a Kubernetes admission webhook that enforces Pod policy written in Rego,
// and the offline tools policy authors and CI pipelines use with it.
//
//	podpolicy serve    run the validating and mutating webhook
//	podpolicy check    evaluate manifests offline, with the webhook's engine
//	podpolicy audit    judge what runs in a cluster once, or preview a config change on it
//	podpolicy doctor   report the misconfigurations of a live installation
//	podpolicy test     run the Rego unit tests of the library and of policy directories
//	podpolicy lint     check policies against podpolicy's contract and for Rego's common bugs
//	podpolicy new rule scaffold a rule: the rule, its Rego tests and its manifest cases
//	podpolicy uninstall-webhooks  delete the webhook configurations (the chart's pre-delete hook)
//	podpolicy version  print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `podpolicy enforces Pod policy written in Rego.

Usage:
  podpolicy serve   [flags]            run the admission webhook
  podpolicy check   -f FILE|DIR|- ...  evaluate manifests offline (exit 0 ok, 1 denied, 2 error)
  podpolicy audit   [flags]            judge what runs in a cluster, or preview --config/--policy-dir on it (exit codes of check)
  podpolicy doctor  [flags]            check a live installation for bypasses and outages (exit 0 ok, 1 findings, 2 could not check)
  podpolicy test    [DIR ...]          run the Rego unit tests and manifest cases of the library and of DIRs
  podpolicy lint    [DIR ...]          check policies against podpolicy's contract (exit 0 clean, 1 findings, 2 could not read)
  podpolicy new rule ID [--dir DIR]    scaffold a rule that passes test and lint, to edit
  podpolicy post-render [flags]        helm's --post-renderer: pass a release through, or refuse it whole
  podpolicy uninstall-webhooks --validating-webhook-configuration NAME --mutating-webhook-configuration NAME
                                       delete the webhook configurations (before helm uninstall)
  podpolicy version                    print the version

Run "podpolicy COMMAND -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "check":
		return runCheck(ctx, args[1:], stdin, stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], stdout, stderr)
	case "doctor":
		return runDoctor(ctx, args[1:], stdout, stderr)
	case "test":
		return runTest(ctx, args[1:], stdout, stderr)
	case "lint":
		return runLint(ctx, args[1:], stdout, stderr)
	case "new":
		return runNew(ctx, args[1:], stdout, stderr)
	case "post-render":
		return runPostRender(ctx, args[1:], stdin, stdout, stderr)
	case "uninstall-webhooks":
		return runUninstallWebhooks(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		return runVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "podpolicy: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}
