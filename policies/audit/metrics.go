package audit

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/podpolicy/podpolicy/policies"
)

// Metrics are the metrics of the background audit; the gauges describe the last complete
// run.
type Metrics struct {
	Violations  *prometheus.GaugeVec
	LastSuccess prometheus.Gauge
	Duration    prometheus.Gauge
	Objects     prometheus.Gauge
	// Reused counts the objects of Objects whose verdict was the one of the run before.
	Reused         prometheus.Gauge
	Runs           *prometheus.CounterVec
	ReportsWritten prometheus.Counter
	// ReportConflicts counts, after the last write, the owners whose Report name is held by a
	// Report podpolicy did not write.
	ReportConflicts prometheus.Gauge
	// Interval is --audit-interval, on every replica: what an alert on LastSuccess compares
	// with.
	Interval prometheus.Gauge
}

// NewMetrics creates the audit's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Violations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "podpolicy_audit_violations",
			Help: "Violations of the running workloads and Pods found by the last complete audit, by namespace, rule and action (error: an object that could not be judged).",
		}, []string{"namespace", "rule", "action"}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podpolicy_audit_last_success_timestamp_seconds",
			Help: "When the last complete audit ended, in seconds since the epoch.",
		}),
		Duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podpolicy_audit_duration_seconds",
			Help: "How long the last complete audit took, its reports written.",
		}),
		Objects: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podpolicy_audit_objects",
			Help: "Objects (top owners and Pods) judged by the last complete audit.",
		}),
		Reused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podpolicy_audit_verdicts_reused",
			Help: "Objects (top owners and Pods) of the last complete audit whose verdict was the one of the audit before: stored at the same resourceVersion, in a namespace with the same labels, under the same owners and policies, with no enforceFrom or expires passed since.",
		}),
		Runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podpolicy_audit_runs_total",
			Help: "Audits, by result: success, or failed (the cluster could not be read; the last complete reports stay).",
		}, []string{"result"}),
		ReportsWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "podpolicy_audit_reports_written_total",
			Help: "Reports created or updated by the audit; an unchanged report is not written.",
		}),
		ReportConflicts: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podpolicy_audit_report_conflicts",
			Help: "Owners whose Report name is held by a Report podpolicy did not write, after the last audit's write: such a Report does not stand for podpolicy's verdict (podpolicy writes its own under a name of the owner's UID).",
		}),
	}
	m.Interval = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "podpolicy_audit_interval_seconds",
		Help: "The time between two audits (--audit-interval), on every replica, whether it holds the audit Lease or not.",
	})
	for _, c := range []prometheus.Collector{m.Violations, m.LastSuccess, m.Duration, m.Objects, m.Reused, m.Runs, m.ReportsWritten, m.ReportConflicts, m.Interval} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// record sets the gauges from a complete run.
func (m *Metrics) record(run *Run) {
	m.Violations.Reset()
	for _, f := range run.Findings {
		if f.Error != "" {
			m.Violations.WithLabelValues(f.Owner.Namespace, InputRule, "error").Inc()
		}
		if len(f.PodErrors) > 0 {
			m.Violations.WithLabelValues(f.Owner.Namespace, InputRule, "error").Add(float64(len(f.PodErrors)))
		}
		for _, vs := range [][]policies.Violation{f.Violations, f.PodViolations} {
			for _, v := range vs {
				m.Violations.WithLabelValues(f.Owner.Namespace, v.Rule, string(v.Action)).Inc()
			}
		}
	}
	m.Objects.Set(float64(run.Objects))
	m.Reused.Set(float64(run.Reused))
}
