package webhook

import (
	"context"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/podpolicy/podpolicy/policies"
)

// TestEvaluatorIsReportedInMetricsAndLog: the evaluator in force is 1 in
// podpolicy_policy_evaluator and named in the log line, with the reason when the policy set
// runs on topdown.
func TestEvaluatorIsReportedInMetricsAndLog(t *testing.T) {
	for _, tc := range []struct {
		dirs      []string
		want      policies.Evaluator
		logFields []string
	}{
		{nil, policies.Compiled, []string{`"evaluator"="compiled"`}},
		{[]string{"../policies/testdata/policy-topdown"}, policies.Topdown, []string{`"evaluator"="topdown"`, `"evaluatorFallback"=`, "opa.runtime"}},
	} {
		engine, err := policies.New(context.Background(), policies.Options{PolicyDirs: tc.dirs})
		if err != nil {
			t.Fatal(err)
		}
		metrics, err := NewMetrics(prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		var logged string
		log := funcr.New(func(prefix, args string) { logged += args + "\n" }, funcr.Options{})
		metrics.policiesLoaded(engine, log, "policies loaded")
		for _, e := range []policies.Evaluator{policies.Compiled, policies.Topdown} {
			want := 0.0
			if e == tc.want {
				want = 1
			}
			var m dto.Metric
			if err := metrics.Evaluator.WithLabelValues(string(e)).Write(&m); err != nil {
				t.Fatal(err)
			}
			if got := m.GetGauge().GetValue(); got != want {
				t.Errorf("%v: podpolicy_policy_evaluator{evaluator=%q} = %v, want %v", tc.dirs, e, got, want)
			}
		}
		for _, field := range tc.logFields {
			if !strings.Contains(logged, field) {
				t.Errorf("%v: log %q lacks %s", tc.dirs, logged, field)
			}
		}
	}
}
