package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/podpolicy/podpolicy/webhook/doctor"
)

// runDoctor reads a live installation of podpolicy and reports every misconfiguration that
// opens a bypass or an outage. It only reads the cluster.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("doctor", "[--kubeconfig FILE] [--release NAME --namespace NS] [-o text|json]", stderr)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file; $KUBECONFIG or ~/.kube/config when empty")
	kubeContext := fs.String("context", "", "kubeconfig context; its current context when empty")
	release := fs.String("release", "", "helm release of podpolicy; found from its ValidatingWebhookConfiguration when empty")
	namespace := namespaceFlag(fs, "", "namespace of the helm release; found from its ValidatingWebhookConfiguration when empty")
	output := fs.String("o", "text", "output format: text or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "podpolicy doctor: unexpected arguments %v\n", fs.Args())
		return exitUsage
	}
	if *output != "text" && *output != "json" {
		fmt.Fprintf(stderr, "podpolicy doctor: -o %q: want text or json\n", *output)
		return exitUsage
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = *kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: *kubeContext}).ClientConfig()
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy doctor: kubeconfig: %v\n", err)
		return doctor.ExitError
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy doctor: %v\n", err)
		return doctor.ExitError
	}
	return writeDoctor(ctx, doctor.Options{Client: client, Release: *release, Namespace: *namespace}, *output, stdout, stderr)
}

// writeDoctor runs doctor and writes its report; a cluster where no installation can be found
// or read is one line on stderr and exit 2.
func writeDoctor(ctx context.Context, o doctor.Options, output string, stdout, stderr io.Writer) int {
	report, err := doctor.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy doctor: %v\n", err)
		return doctor.ExitError
	}
	if output == "json" {
		err = report.WriteJSON(stdout)
		for _, e := range report.Errors {
			fmt.Fprintf(stderr, "podpolicy doctor: could not check %v\n", e)
		}
	} else {
		err = report.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy doctor: write report: %v\n", err)
		return doctor.ExitError
	}
	return report.ExitCode()
}
