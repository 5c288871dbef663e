package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/podpolicy/podpolicy/webhook"
)

func runUninstallWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("uninstall-webhooks", "--validating-webhook-configuration NAME --mutating-webhook-configuration NAME [flags]", stderr)
	var o webhook.UninstallOptions
	fs.StringVar(&o.ValidatingWebhook, "validating-webhook-configuration", "", "ValidatingWebhookConfiguration to delete")
	fs.StringVar(&o.MutatingWebhook, "mutating-webhook-configuration", "", "MutatingWebhookConfiguration to delete")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster config when empty")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Second, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "podpolicy uninstall-webhooks: unexpected arguments %v\n", fs.Args())
		return exitUsage
	}
	if err := o.Validate(); err != nil {
		fmt.Fprintf(stderr, "podpolicy uninstall-webhooks: %v\n", err)
		return exitUsage
	}
	removals, err := webhook.Uninstall(ctx, o)
	for _, r := range removals {
		what := "deleted"
		if !r.Deleted {
			what = "not found, nothing to delete"
		}
		fmt.Fprintf(stdout, "%s %q %s\n", strings.ToLower(r.Kind), r.Name, what)
	}
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy uninstall-webhooks: %v\n", err)
		return 1
	}
	return 0
}
