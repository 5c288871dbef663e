package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/go-logr/logr"
	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientleaderelection "k8s.io/client-go/tools/leaderelection"
	"sigs.k8s.io/controller-runtime/pkg/leaderelection"

	"github.com/podpolicy/podpolicy/policies"
)

// errReportConflict is logged with each Report name another source holds.
var errReportConflict = errors.New("report conflict")

// Lease timings of the audit's leader election: controller-runtime's defaults.
const (
	leaseDuration = 15 * time.Second
	renewDeadline = 10 * time.Second
	retryPeriod   = 2 * time.Second
)

// Runner runs the background audit on the replica that holds the audit Lease: every interval
// it scans the cluster with the engine admission uses, records the metrics and makes the
// Reports those of the run.
type Runner struct {
	engine  *policies.Engine
	cfg     *rest.Config
	opts    RunnerOptions
	metrics *Metrics
	log     logr.Logger
	lister  Lister
	writer  *Writer
	// reportsOff is set once the openreports CRDs were found missing, so that it is said once.
	reportsOff bool
	// events take the audit's Events; nil emits none.
	events Notifier
	// verdicts are the owners' Report verdicts of the last run, by owner UID, and conflicts
	// the Report names held by someone else then: what the next run compares with.
	verdicts  map[types.UID]string
	conflicts map[string]bool
	// memo keeps the verdicts of top owners and Pods from one run to the next.
	memo *Memo
	// changed wakes the loop when the policies in force change, so that the Reports follow a
	// new config at once rather than an interval later.
	changed chan struct{}
}

// NewRunner returns the runner of the background audit over the cluster cfg reaches; events
// take its Events (an owner whose verdict turned worse, a squatted Report, a change of the
// auditing replica), nil none.
func NewRunner(engine *policies.Engine, cfg *rest.Config, opts RunnerOptions, metrics *Metrics, events Notifier, log logr.Logger) (*Runner, error) {
	cfg = rest.CopyConfig(cfg)
	// A burst below one would make client-go's limiter refuse every request.
	cfg.QPS, cfg.Burst = float32(opts.APIQPS), max(1, int(2*opts.APIQPS))
	// The audit's pages are megabytes of JSON: gzip cost the API server a fifth of its CPU for
	// them and serve more to inflate them again, on a link inside the cluster.
	cfg.DisableCompression = true
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("audit client: %w", err)
	}
	reports, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	metrics.Interval.Set(opts.Interval.Seconds())
	return &Runner{
		engine: engine, cfg: cfg, opts: opts, metrics: metrics, log: log, events: events,
		lister:  RESTLister{Client: clientset.CoreV1().RESTClient()},
		writer:  &Writer{Client: reports, DeleteClean: opts.DeleteClean, Log: log},
		changed: make(chan struct{}, 1),
		memo:    NewMemo(),
	}, nil
}

// PoliciesChanged tells the runner that the policies or config in force changed (a reload):
// the replica holding the lease audits again at once, the others when they next lead. It
// never blocks; changes while an audit runs make one more audit after it.
func (a *Runner) PoliciesChanged() {
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// Run campaigns for the Lease until ctx ends, auditing while it holds it.
func (a *Runner) Run(ctx context.Context) error {
	lock, err := leaderelection.NewResourceLock(a.cfg, leaderEvents{events: a.events}, leaderelection.Options{
		LeaderElection: true, LeaderElectionID: a.opts.LeaseName, LeaderElectionNamespace: a.opts.LeaseNamespace,
		RenewDeadline: renewDeadline,
	})
	if err != nil {
		return fmt.Errorf("audit lease: %w", err)
	}
	elector, err := clientleaderelection.NewLeaderElector(clientleaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: leaseDuration, RenewDeadline: renewDeadline, RetryPeriod: retryPeriod,
		ReleaseOnCancel: true, Name: a.opts.LeaseName,
		Callbacks: clientleaderelection.LeaderCallbacks{
			OnStartedLeading: a.loop,
			OnStoppedLeading: func() { a.log.Info("audit lease released", "lease", a.opts.LeaseName) },
		},
	})
	if err != nil {
		return fmt.Errorf("audit lease: %w", err)
	}
	// Run returns when the lease is lost; campaign again until shutdown.
	for ctx.Err() == nil {
		elector.Run(ctx)
	}
	return nil
}

// loop audits at once, then every interval and whenever the policies change, until the lease
// is lost or ctx ends.
func (a *Runner) loop(ctx context.Context) {
	a.log.Info("audit lease acquired: this replica audits", "lease", a.opts.LeaseName, "interval", a.opts.Interval)
	// A change before the lease was acquired is in force already for the first audit.
	select {
	case <-a.changed:
	default:
	}
	for {
		a.onceAtLowPriority(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.opts.Interval):
		case <-a.changed:
			a.log.Info("policies changed: auditing again")
		}
	}
}

// onceAtLowPriority runs one audit on a thread of its own at the lowest CPU priority. The thread
// is never unlocked, so it ends with the audit instead of returning, nice, to the runtime's pool.
func (a *Runner) onceAtLowPriority(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if err := lowerThreadPriority(); err != nil {
			a.log.Error(err, "audit runs at normal priority")
		}
		a.once(ctx)
	}()
	<-done
}

// once runs one audit. A scan that could not read the cluster is counted as failed and the
// last complete reports stay.
func (a *Runner) once(ctx context.Context) {
	run, err := Scan(ctx, Options{
		Engine: a.engine, Lister: a.lister, PageSize: a.opts.PageSize,
		DutyCycle: a.opts.DutyCycle, ExcludeNamespaces: a.opts.ExcludeNamespaces, Memo: a.memo,
	})
	if err != nil {
		if ctx.Err() == nil {
			a.metrics.Runs.WithLabelValues("failed").Inc()
			a.log.Error(err, "audit failed: the last complete reports stay")
		}
		return
	}
	a.metrics.record(run)
	written, err := a.write(ctx, run)
	if err != nil {
		a.metrics.Runs.WithLabelValues("failed").Inc()
		a.log.Error(err, "audit reports not all written")
		return
	}
	a.metrics.Runs.WithLabelValues("success").Inc()
	a.metrics.Duration.Set(time.Since(run.Started).Seconds())
	a.metrics.LastSuccess.Set(float64(time.Now().Unix()))
	a.log.Info("audit done", "owners", len(run.Findings), "objects", run.Objects, "reused", run.Reused, "reportsWritten", written, "duration", time.Since(run.Started).Round(time.Millisecond).String())
}

// write makes the Reports those of run; it returns how many it created or changed.
func (a *Runner) write(ctx context.Context, run *Run) (int, error) {
	reportOpts := ReportOptions{MaxResults: a.opts.MaxResults, Rules: a.engine.Rules(), Config: a.engine.Config()}
	reports := make([]*reportsv1alpha1.Report, 0, len(run.Findings))
	for _, f := range run.Findings {
		reports = append(reports, Report(f, reportOpts))
	}
	stats, err := a.writer.Write(ctx, reports)
	// Without the Report CRD, or when the Reports could not be read, the verdicts of this
	// process's last run are what this one is compared with.
	a.notify(run.Findings, reports, stats)
	if errors.Is(err, ErrReportsOff) {
		if !a.reportsOff {
			a.reportsOff = true
			a.log.Info("reports are off: the openreports.io Report CRD is not installed; the audit keeps its metrics and logs")
		}
		return 0, nil
	}
	a.reportsOff = false
	a.metrics.ReportsWritten.Add(float64(stats.Written()))
	a.metrics.ReportConflicts.Set(float64(len(stats.Conflicts)))
	for _, c := range stats.Conflicts {
		a.log.Error(errReportConflict, "a Report podpolicy did not write holds the name of podpolicy's", "namespace", c.Namespace, "report", c.Name, "source", c.Source, "owner", c.Owner.Kind+"/"+c.Owner.Name, "writtenAs", c.WrittenAs)
	}
	return stats.Written(), err
}
