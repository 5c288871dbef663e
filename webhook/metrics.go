package webhook

import (
	"errors"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/podpolicy/podpolicy/policies"
)

// Metrics are podpolicy's Prometheus metrics, as the README's "Running the webhook" lists them.
type Metrics struct {
	Requests   *prometheus.CounterVec
	Duration   *prometheus.HistogramVec
	Violations *prometheus.CounterVec
	Reloads    *prometheus.CounterVec
	// ReloadFailing is 1 while the config or policy files on disk fail to load and the last
	// good set runs, 0 once they load.
	ReloadFailing prometheus.Gauge
	RulesLoaded   prometheus.Gauge
	Evaluator     *prometheus.GaugeVec
	NamespaceErr  prometheus.Counter
	OwnerErr      prometheus.Counter
	ModeChanges   *prometheus.CounterVec
}

// Decisions counted by podpolicy_admission_requests_total.
const (
	decisionAllowed = "allowed"
	decisionWarned  = "warned"
	decisionAudited = "audited"
	decisionDenied  = "denied"
	decisionMutated = "mutated"
	decisionExempt  = "exempt"
	// decisionNoTemplate is an object of a configured kind with no pod template of its own,
	// admitted with a warning saying so.
	decisionNoTemplate = "no_template"
	decisionBadRequest = "bad_request"
	decisionError      = "error"
)

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podpolicy_admission_requests_total",
			Help: "Admission requests by webhook, operation, kind and decision.",
		}, []string{"webhook", "operation", "kind", "decision"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "podpolicy_admission_duration_seconds",
			Help:    "Time to answer an admission request, from its first byte read to its response written.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}, []string{"webhook"}),
		Violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podpolicy_violations_total",
			Help: "Violations found, by rule and the action taken.",
		}, []string{"rule", "action"}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podpolicy_policy_reloads_total",
			Help: "Reloads of the policies and config, by result (success or failure).",
		}, []string{"result"}),
		ReloadFailing: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podpolicy_policy_reload_failing",
			Help: "1 while the config or policy files on disk fail to load and the last good set runs; 0 after a successful load.",
		}),
		RulesLoaded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "podpolicy_policy_rules_loaded",
			Help: "Rules in the policy set in force.",
		}),
		Evaluator: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "podpolicy_policy_evaluator",
			Help: "1 for the evaluator that runs the policy set in force (compiled or topdown), 0 for the other.",
		}, []string{"evaluator"}),
		NamespaceErr: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "podpolicy_namespace_lookup_errors_total",
			Help: "Namespace lookups that failed; the request was then judged with no namespace labels (mode deny).",
		}),
	}
	m.OwnerErr = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "podpolicy_owner_lookup_errors_total",
		Help: "Objects created by a controller whose owners could not be verified; the object was then judged on its own, with no exception by owner.",
	})
	m.ModeChanges = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "podpolicy_mode_changes_total",
		Help: "Changes of a Namespace's podpolicy.io/mode label, by result: allowed (made by one of modeAdmins) or denied.",
	}, []string{"result"})
	for _, c := range []prometheus.Collector{m.Requests, m.Duration, m.Violations, m.Reloads, m.ReloadFailing, m.RulesLoaded, m.Evaluator, m.NamespaceErr, m.OwnerErr, m.ModeChanges} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// The process's and the Go runtime's (process_start_time_seconds, memory, CPU, GC), which
	// the alerts and the dashboard read, unless something linked in registered them first.
	for _, c := range []prometheus.Collector{collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector()} {
		if err := reg.Register(c); err != nil && !errors.As(err, &prometheus.AlreadyRegisteredError{}) {
			return nil, err
		}
	}
	return m, nil
}

// policiesLoaded records a policy set that came into force: its rules, its evaluator, and in
// the log why it runs on topdown when the compiled evaluator refused it.
func (m *Metrics) policiesLoaded(engine *policies.Engine, log logr.Logger, msg string) {
	m.RulesLoaded.Set(float64(len(engine.Rules())))
	for _, e := range []policies.Evaluator{policies.Compiled, policies.Topdown} {
		running := 0.0
		if engine.Evaluator() == e {
			running = 1
		}
		m.Evaluator.WithLabelValues(string(e)).Set(running)
	}
	keysAndValues := []any{"rules", len(engine.Rules()), "evaluator", engine.Evaluator()}
	if fallback := engine.EvaluatorFallback(); fallback != "" {
		keysAndValues = append(keysAndValues, "evaluatorFallback", fallback)
	}
	log.Info(msg, keysAndValues...)
}
