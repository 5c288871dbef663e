package webhook

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/podpolicy/podpolicy/policies"
)

// registerDecisionCache exports what the compiled evaluator's decision cache reused and
// computed (the Pods a controller creates from one template share a verdict when no rule read
// what sets them apart), counted across reloads.
func registerDecisionCache(reg prometheus.Registerer, engine *policies.Engine) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "podpolicy_decision_cache_hits_total",
			Help: "Evaluations of an entry point answered from the decision cache: an input equal to an earlier one but for values no rule read (a replica's name).",
		}, func() float64 { hits, _ := engine.DecisionCacheStats(); return float64(hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "podpolicy_decision_cache_misses_total",
			Help: "Evaluations of an entry point run by the compiled evaluator with the decision cache on.",
		}, func() float64 { _, misses := engine.DecisionCacheStats(); return float64(misses) }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
