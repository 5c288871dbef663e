package main

import (
	"context"
	"fmt"
	"io"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/audit"
	"github.com/podpolicy/podpolicy/policies/check"
)

// runAudit judges what runs in a cluster once, as the background audit does, and reports it as
// check does. With --config or --policy-dir it previews a change: what the proposed config or
// policies would deny or warn. It only reads the cluster.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("audit", "[flags]", stderr)
	var policyDirs, exclude stringList
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file; $KUBECONFIG or ~/.kube/config when empty")
	kubeContext := fs.String("context", "", "kubeconfig context; its current context when empty")
	namespace := namespaceFlag(fs, "", "audit only this namespace; all when empty")
	fs.Var(&exclude, "exclude-namespace", "namespace not audited (one the webhook configurations exclude); repeatable")
	fs.Var(&policyDirs, "policy-dir", "directory of extra or overriding Rego policies, as serve would load them; repeatable")
	configFile := fs.String("config", "", "config file (rule actions and settings, exceptions), as serve would load it")
	evaluator := fs.String("evaluator", string(policies.Auto), evaluatorUsage)
	output := fs.String("o", "text", "output format: text, json or sarif")
	at := fs.String("at", "", "judge as of this date (2027-03-02) or RFC 3339 time: rules' enforceFrom and exceptions' expires; now when empty")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "podpolicy audit: unexpected arguments %v\n", fs.Args())
		return exitUsage
	}
	if *output != "text" && *output != "json" && *output != "sarif" {
		fmt.Fprintf(stderr, "podpolicy audit: -o %q: want text, json or sarif\n", *output)
		return exitUsage
	}
	now, err := clockAt(*at)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy audit: --at: %v\n", err)
		return exitUsage
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = *kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: *kubeContext}).ClientConfig()
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy audit: kubeconfig: %v\n", err)
		return check.ExitError
	}
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy audit: %v\n", err)
		return check.ExitError
	}
	engine, err := policies.New(ctx, policies.Options{PolicyDirs: policyDirs, ConfigFile: *configFile, Evaluator: policies.Evaluator(*evaluator), Now: now})
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy audit: %v\n", err)
		return check.ExitError
	}
	run, err := audit.Scan(ctx, audit.Options{
		Engine: engine, Lister: audit.RESTLister{Client: clientset.CoreV1().RESTClient()},
		Namespace: *namespace, ExcludeNamespaces: exclude,
	})
	if err != nil {
		fmt.Fprintf(stderr, "podpolicy audit: read the cluster at %s: %v\n", cfg.Host, err)
		return check.ExitError
	}
	return writeReport("audit", audit.CheckReport(run, engine), nil, *output, engine, stdout, stderr)
}
