package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/audit"
	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/webhook/events"
)

// Run serves the webhooks until ctx is cancelled, then reports not ready, waits
// opts.ShutdownDelay and drains in-flight requests before returning.
func Run(ctx context.Context, opts Options, log logr.Logger) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	engine, err := policies.New(ctx, policies.Options{PolicyDirs: opts.PolicyDirs, ConfigFile: opts.ConfigFile, EvalTimeout: opts.EvalTimeout, Evaluator: opts.Evaluator, DecisionCache: opts.DecisionCache})
	if err != nil {
		return fmt.Errorf("load policies: %w", err)
	}
	metrics, err := NewMetrics(ctrlmetrics.Registry)
	if err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	if err := registerDecisionCache(ctrlmetrics.Registry, engine); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	metrics.policiesLoaded(engine, log.WithValues("config", opts.ConfigFile, "policyDirs", opts.PolicyDirs), "policies loaded")

	// Servers run under serveCtx, which outlives ctx by the shutdown delay.
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()

	cfg, err := restConfig(opts.Kubeconfig)
	if err != nil {
		return err
	}
	var cluster Cluster
	var auditNotifier audit.Notifier
	if cfg == nil {
		log.Info("no Kubernetes API configured (no --kubeconfig, not in a cluster): the features that read the cluster are off (namespace labels, podpolicy.io/mode, exceptions by owner, Events)")
	} else if cluster, err = startCache(serveCtx, cfg); err != nil {
		return err
	}
	var recorder *events.Recorder
	if cfg != nil && opts.Events.Any() {
		rec, lookup, err := newRecorder(cfg, opts.Events, log.WithName("events"))
		if err != nil {
			return err
		}
		recorder = rec
		cluster.Events = Notifications{Sink: rec, Warnings: opts.Events.Warnings, Denials: opts.Events.Denials, ExpiringWithin: opts.Events.ExpiringWithin, Lookup: lookup}
		if opts.Events.Audit {
			auditNotifier = auditEvents{sink: rec}
		}
	}

	serverOpts := crwebhook.Options{
		Host: opts.WebhookHost, Port: opts.WebhookPort,
		CertDir: opts.CertDir, CertName: opts.CertName, KeyName: opts.KeyName,
		TLSOpts: []func(*tls.Config){secureTLS},
	}
	getCertificate, certWatcher, err := servingCertificate(serveCtx, cfg, opts, log)
	if err != nil {
		return err
	}
	serverOpts.TLSOpts = append(serverOpts.TLSOpts, func(c *tls.Config) { c.GetCertificate = getCertificate })
	if err := ctrlmetrics.Registry.Register(newCertExpiry(getCertificate)); err != nil {
		return fmt.Errorf("register certificate metrics: %w", err)
	}
	cluster.Config = engine.Config
	server := crwebhook.NewServer(serverOpts)
	server.Register("/validate", NewValidatingHandler(engine, cluster, metrics, log.WithName("validate")))
	server.Register("/mutate", NewMutatingHandler(engine, cluster, metrics, log.WithName("mutate")))

	var shuttingDown atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(serveCtx); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("webhook server", server.Start)
	if certWatcher != nil {
		start("certificate watcher", certWatcher.Start)
	}
	if recorder != nil {
		start("events", func(ctx context.Context) error { recorder.Run(ctx); return nil })
	}
	if opts.MetricsAddr != "0" {
		metricsOpts := metricsserver.Options{BindAddress: opts.MetricsAddr}
		if opts.EnablePprof {
			metricsOpts.ExtraHandlers = pprofHandlers()
		}
		ms, err := metricsserver.NewServer(metricsOpts, nil, nil)
		if err != nil {
			return fmt.Errorf("metrics server: %w", err)
		}
		start("metrics server", ms.Start)
	}
	if opts.HealthAddr != "0" {
		start("health server", healthServer(opts.HealthAddr, server.StartedChecker(), &shuttingDown))
	}
	r := &reloader{engine: engine, configFile: opts.ConfigFile, policyDirs: opts.PolicyDirs, interval: opts.ReloadInterval, metrics: metrics, log: log.WithName("reload")}
	if opts.Audit.Interval > 0 {
		if cfg == nil {
			return errors.New("--audit-interval needs the Kubernetes API (--kubeconfig, or in a cluster)")
		}
		auditMetrics, err := audit.NewMetrics(ctrlmetrics.Registry)
		if err != nil {
			return fmt.Errorf("register audit metrics: %w", err)
		}
		a, err := audit.NewRunner(engine, cfg, opts.Audit, auditMetrics, auditNotifier, log.WithName("audit"))
		if err != nil {
			return err
		}
		r.reloaded = a.PoliciesChanged
		start("audit", a.Run)
	}
	start("reloader", func(ctx context.Context) error { r.run(ctx); return nil })

	var runErr error
	select {
	case <-ctx.Done():
		shuttingDown.Store(true)
		log.Info("shutting down: reporting not ready, then draining", "delay", opts.ShutdownDelay)
		time.Sleep(opts.ShutdownDelay)
	case runErr = <-errs:
		log.Error(runErr, "a server failed; shutting down")
	}
	stopServing()
	wg.Wait()
	close(errs)
	for err := range errs {
		runErr = errors.Join(runErr, err)
	}
	log.Info("stopped")
	return runErr
}

// secureTLS refuses TLS below 1.2 and offers HTTP/1.1 only: HTTP/2 is off because of its
// stream-reset denial-of-service attacks (CVE-2023-44487, CVE-2023-39325).
func secureTLS(c *tls.Config) {
	c.MinVersion = tls.VersionTLS12
	c.NextProtos = []string{"http/1.1"}
}

// restConfig returns the API client config: the kubeconfig file when given, else the
// in-cluster config, else nil.
func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("--kubeconfig: %w", err)
		}
		return cfg, nil
	}
	cfg, err := rest.InClusterConfig()
	if errors.Is(err, rest.ErrNotInCluster) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("in-cluster config: %w", err)
	}
	return cfg, nil
}

// startCache starts an informer cache of Namespaces, and of the metadata of Kubernetes' own
// kinds that own Pods, and returns the readers over it. The owners of configured kinds (an
// Argo Rollout) are read from the API server when a chain reaches one: a kind a cluster does
// not have must cost nothing, and its objects are few next to ReplicaSets.
func startCache(ctx context.Context, cfg *rest.Config) (Cluster, error) {
	watched := []client.Object{&corev1.Namespace{}}
	for _, k := range kinds.BuiltinWorkloads() {
		watched = append(watched, &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: k.APIVersion(), Kind: k.Kind}})
	}
	byObject := map[client.Object]cache.ByObject{}
	for _, obj := range watched {
		byObject[obj] = cache.ByObject{}
	}
	c, err := cache.New(cfg, cache.Options{ByObject: byObject})
	if err != nil {
		return Cluster{}, fmt.Errorf("informer cache: %w", err)
	}
	live, err := client.New(cfg, client.Options{})
	if err != nil {
		return Cluster{}, fmt.Errorf("API client: %w", err)
	}
	for _, obj := range watched {
		if _, err := c.GetInformer(ctx, obj, cache.BlockUntilSynced(false)); err != nil {
			return Cluster{}, fmt.Errorf("informer of %T: %w", obj, err)
		}
	}
	go func() { _ = c.Start(ctx) }()
	return Cluster{Namespaces: NewNamespaceLabels(c, live), Owners: NewOwnerLookup(c, live)}, nil
}

// healthServer serves /healthz (the process is alive) and /readyz (the webhook listener is up
// and the process is not shutting down).
func healthServer(addr string, webhookStarted healthz.Checker, shuttingDown *atomic.Bool) func(context.Context) error {
	return func(ctx context.Context) error {
		mux := http.NewServeMux()
		mux.Handle("/healthz", http.StripPrefix("/healthz", &healthz.Handler{Checks: map[string]healthz.Checker{"ping": healthz.Ping}}))
		mux.Handle("/readyz", http.StripPrefix("/readyz", &healthz.Handler{Checks: map[string]healthz.Checker{
			"webhook": webhookStarted,
			"shutdown": func(*http.Request) error {
				if shuttingDown.Load() {
					return errors.New("shutting down")
				}
				return nil
			},
		}}))
		srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func pprofHandlers() map[string]http.Handler {
	return map[string]http.Handler{
		"/debug/pprof/":        http.HandlerFunc(pprof.Index),
		"/debug/pprof/profile": http.HandlerFunc(pprof.Profile),
		"/debug/pprof/heap":    pprof.Handler("heap"),
		"/debug/pprof/trace":   http.HandlerFunc(pprof.Trace),
	}
}
