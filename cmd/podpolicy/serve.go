package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/audit"
	"github.com/podpolicy/podpolicy/webhook"
)

func runServe(ctx context.Context, args []string, stderr io.Writer) int {
	fs := newFlagSet("serve", "[flags]", stderr)
	var opts webhook.Options
	var policyDirs stringList
	fs.StringVar(&opts.WebhookHost, "webhook-host", "", "address the webhook listens on (all when empty)")
	fs.IntVar(&opts.WebhookPort, "webhook-port", 9443, "port the HTTPS webhook listens on")
	fs.StringVar(&opts.CertDir, "webhook-cert-path", "", "directory holding the serving certificate and key, reloaded when they change")
	fs.StringVar(&opts.CertName, "webhook-cert-name", "tls.crt", "certificate file name in --webhook-cert-path")
	fs.StringVar(&opts.KeyName, "webhook-cert-key", "tls.key", "key file name in --webhook-cert-path")
	fs.StringVar(&opts.MetricsAddr, "metrics-bind-address", ":8080", "address of the Prometheus metrics endpoint; 0 turns it off")
	fs.StringVar(&opts.HealthAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz; 0 turns it off")
	fs.StringVar(&opts.ConfigFile, "config", "", "config file (rule actions and settings, exceptions, mutation settings); reloaded when it changes")
	fs.Var(&policyDirs, "policy-dir", "directory of extra or overriding Rego policies, reloaded when they change; repeatable")
	fs.StringVar(&opts.Kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster config when empty")
	fs.DurationVar(&opts.ReloadInterval, "reload-interval", 2*time.Second, "how often the config and policy files are checked for changes")
	fs.DurationVar(&opts.EvalTimeout, "eval-timeout", 2*time.Second, "deadline of one policy evaluation; keep it below the webhook timeout")
	fs.DurationVar(&opts.ShutdownDelay, "shutdown-delay", 0, "after SIGTERM, keep serving (not ready) this long before draining")
	fs.BoolVar(&opts.EnablePprof, "enable-pprof", false, "serve /debug/pprof/ on the metrics address")
	fs.StringVar((*string)(&opts.Evaluator), "evaluator", string(policies.Auto), evaluatorUsage)
	decisionCache := fs.Bool("decision-cache", true, "reuse the compiled evaluator's result for an object equal to an earlier one but for what no rule read (the Pods a controller creates from one template)")

	var auditExclude string
	fs.DurationVar(&opts.Audit.Interval, "audit-interval", 0, "how often the background audit judges what runs and writes openreports Reports; 0 turns it off")
	fs.StringVar(&opts.Audit.LeaseNamespace, "audit-lease-namespace", os.Getenv("POD_NAMESPACE"), "namespace of the Lease that elects the one replica that audits (in a cluster: the Pod's own)")
	fs.StringVar(&opts.Audit.LeaseName, "audit-lease-name", "podpolicy-audit", "name of the audit Lease")
	fs.IntVar(&opts.Audit.MaxResults, "audit-max-results", audit.DefaultMaxResults, "most results in one Report; the summary still counts the rest")
	fs.BoolVar(&opts.Audit.DeleteClean, "audit-delete-clean", false, "delete (do not write) the Report of an owner with nothing to act on")
	fs.Float64Var(&opts.Audit.DutyCycle, "audit-duty-cycle", 0.5, "share of one core an audit may take: it pauses after every 2 ms of work in proportion")
	fs.IntVar(&opts.Audit.PageSize, "audit-page-size", 500, "objects read by one list request of the audit")
	fs.Float64Var(&opts.Audit.APIQPS, "audit-api-qps", 100, "requests a second the audit may send to the API server (burst twice as many)")
	fs.StringVar(&auditExclude, "audit-exclude-namespaces", "", "comma-separated namespaces not audited (those the webhook configurations exclude)")
	var eventKinds string
	fs.StringVar(&eventKinds, "events", strings.Join(webhook.EventKinds, ","), "Kubernetes Events to write, comma-separated: warnings (on each object admitted with warnings), denials (on the top owner of an object a controller was refused), audit (on an owner whose audit verdict turned worse); none for no Events")
	fs.Float64Var(&opts.Events.QPS, "events-qps", 5, "Events of each reason admission may write a second (a token bucket with --events-burst); past it they are dropped and counted")
	fs.IntVar(&opts.Events.Burst, "events-burst", 25, "Events of each reason admission may write at once")
	fs.DurationVar(&opts.Events.ExpiringWithin, "events-expiring-exceptions", 30*24*time.Hour, "a warning Event tells of an exception that waives a violation and expires within this time")
	var tls webhook.SelfManagedTLS
	var selfManaged bool
	var extraDNS, extraIPs string
	fs.BoolVar(&selfManaged, "self-managed-tls", false, "create and renew a CA and serving certificate in a Secret, and keep the webhook configurations' caBundle current")
	fs.StringVar(&tls.SecretNamespace, "tls-secret-namespace", "", "namespace of the certificate Secret and the Service")
	fs.StringVar(&tls.SecretName, "tls-secret-name", "", "name of the certificate Secret")
	fs.StringVar(&tls.ServiceName, "tls-service-name", "", "name of the Service the API server calls")
	fs.StringVar(&tls.ValidatingWebhook, "validating-webhook-configuration", "", "ValidatingWebhookConfiguration whose caBundle podpolicy keeps current")
	fs.StringVar(&tls.MutatingWebhook, "mutating-webhook-configuration", "", "MutatingWebhookConfiguration whose caBundle podpolicy keeps current")
	fs.DurationVar(&tls.Validity, "cert-validity", 365*24*time.Hour, "lifetime of a serving certificate")
	fs.DurationVar(&tls.RenewBefore, "cert-renew-before", 30*24*time.Hour, "renew the serving certificate this long before it expires")
	fs.DurationVar(&tls.CAValidity, "ca-validity", 10*365*24*time.Hour, "lifetime of the CA; it is replaced when a third of it is left")
	fs.DurationVar(&tls.CAOverlap, "ca-overlap", time.Minute, "how long a new CA is trusted in the caBundle before certificates are issued from it")
	fs.DurationVar(&tls.RefreshInterval, "tls-refresh-interval", time.Minute, "how often the certificate Secret and the caBundle are checked")
	fs.StringVar(&extraDNS, "tls-extra-dns-names", "", "comma-separated DNS names added to the serving certificate")
	fs.StringVar(&extraIPs, "tls-extra-ips", "", "comma-separated IP addresses added to the serving certificate")

	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "podpolicy serve: unexpected arguments %v\n", fs.Args())
		return exitUsage
	}
	opts.PolicyDirs = policyDirs
	opts.DecisionCache = *decisionCache
	if err := opts.Events.SetKinds(eventKinds); err != nil {
		fmt.Fprintf(stderr, "podpolicy serve: %v\n", err)
		return exitUsage
	}
	opts.Audit.ExcludeNamespaces = splitList(auditExclude)
	if selfManaged {
		tls.ExtraDNSNames, tls.ExtraIPs = splitList(extraDNS), splitList(extraIPs)
		opts.TLS = &tls
	}
	log := zap.New(zap.UseFlagOptions(&zapOpts), zap.WriteTo(stderr))
	ctrl.SetLogger(log)
	tuneGC(log, serveMemoryLimit)
	if err := webhook.Run(ctx, opts, log.WithName("podpolicy")); err != nil {
		fmt.Fprintf(stderr, "podpolicy serve: %v\n", err)
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
