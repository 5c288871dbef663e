package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// skipped is the error of a check that does not apply to the installation; it is listed in
// the report's Skipped, not in its Errors.
type skipped struct{ reason string }

func (s *skipped) Error() string { return s.reason }

// The metrics the checks read.
const (
	metricEvaluator     = "podpolicy_policy_evaluator"
	metricReloadFailing = "podpolicy_policy_reload_failing"
	metricAuditSuccess  = "podpolicy_audit_last_success_timestamp_seconds"
)

// checkMetricsServed: podpolicy serves its metrics, and they can be read from every ready Pod
// through the API server's proxy; the audit, evaluator and config-reload checks read them.
func checkMetricsServed(ctx context.Context, in *install) ([]Finding, error) {
	if in.deployment != nil && metricsPort(in.serve.metricsAddr) == "" {
		in.metrics = &podMetrics{skip: fmt.Sprintf("podpolicy serves no metrics (--metrics-bind-address=%s)", in.serve.metricsAddr)}
		return []Finding{{
			Severity: Low, Object: in.deploymentObject(), Field: in.argsField(),
			Message: fmt.Sprintf("podpolicy serves no metrics (--metrics-bind-address=%s): nothing can alert on a failed audit, the evaluator or a config that fails to load, and doctor cannot check them", in.serve.metricsAddr),
			Fix:     "serve them: --metrics-bind-address=:8080 (helm: --set metrics.enabled=true)",
		}}, nil
	}
	_, err := in.podMetrics(ctx)
	return nil, err
}

// argsField is the path of the serve container's args in the Deployment.
func (in *install) argsField() string {
	for i := range in.deployment.Spec.Template.Spec.Containers {
		if &in.deployment.Spec.Template.Spec.Containers[i] == in.serve.container {
			return fmt.Sprintf("spec.template.spec.containers[%d].args", i)
		}
	}
	return "spec.template.spec.containers"
}

// metricsFor returns the Pods' metrics, or a skip when they cannot be read.
func (in *install) metricsFor(ctx context.Context) (*podMetrics, error) {
	m, err := in.podMetrics(ctx)
	if err != nil {
		return nil, &skipped{reason: "the Pods' metrics could not be read"}
	}
	if m.skip != "" {
		return nil, &skipped{reason: m.skip}
	}
	return m, nil
}

// podsWith returns the Pods whose metric name (with labels) has value want.
func podsWith(m *podMetrics, name string, labels map[string]string, want float64) []string {
	var out []string
	for _, p := range m.pods {
		if v, ok := p.value(name, labels); ok && v == want {
			out = append(out, p.name)
		}
	}
	return out
}

// podList writes "Pod a" or "Pods a, b".
func podList(pods []string) string {
	if len(pods) == 1 {
		return "Pod " + pods[0]
	}
	return "Pods " + strings.Join(pods, ", ")
}

// checkReload: no Pod runs on the last good config and policies because the files it reads
// now fail to load (podpolicy_policy_reload_failing).
func checkReload(ctx context.Context, in *install) ([]Finding, error) {
	m, err := in.metricsFor(ctx)
	if err != nil {
		return nil, err
	}
	pods := podsWith(m, metricReloadFailing, nil, 1)
	if len(pods) == 0 {
		return nil, nil
	}
	source := ""
	if f, ok := in.mounted(in.serve.configFile); ok {
		source = fmt.Sprintf(" (%s from %s %s/%s)", in.serve.configFile, f.kind, in.namespace, f.name)
	}
	verb := "reports"
	if len(pods) > 1 {
		verb = "report"
	}
	return []Finding{{
		Severity: High, Object: in.deploymentObject(), Field: metricReloadFailing,
		Message: fmt.Sprintf("%s %s %s 1: the config or policy files it reads%s fail to load, so it runs the last set that loaded and your latest change is not in force", podList(pods), verb, metricReloadFailing, source),
		Fix:     fmt.Sprintf("kubectl logs -n %s %s | grep \"policy reload failed\" names the file and line; fix config or extraPolicies in your values (podpolicy check --config FILE --policy-dir DIR loads them the same way) and helm upgrade", in.namespace, pods[0]),
	}}, nil
}

// checkEvaluator: the policies run on the compiled evaluator, unless --evaluator=topdown asks
// for OPA's interpreter; a fallback means the compiled evaluator refused the policy set and
// every evaluation is several times slower, nearer --eval-timeout.
func checkEvaluator(ctx context.Context, in *install) ([]Finding, error) {
	m, err := in.metricsFor(ctx)
	if err != nil {
		return nil, err
	}
	if in.serve.evaluator == "topdown" {
		return nil, nil
	}
	pods := podsWith(m, metricEvaluator, map[string]string{"evaluator": "topdown"}, 1)
	if len(pods) == 0 {
		return nil, nil
	}
	verb := "runs"
	if len(pods) > 1 {
		verb = "run"
	}
	return []Finding{{
		Severity: Medium, Object: in.deploymentObject(), Field: metricEvaluator + `{evaluator="topdown"}`,
		Message: fmt.Sprintf("%s %s the policies on OPA's topdown interpreter (--evaluator=%s): the compiled evaluator refused the policy set, so every evaluation is several times slower and nearer the %s", podList(pods), verb, in.serve.evaluator, in.serve.evalTimeoutFlag),
		Fix:     fmt.Sprintf("kubectl logs -n %s %s | grep evaluatorFallback names the built-in or statement it refused; change that policy of extraPolicies (podpolicy check -o json on the same --policy-dir says evaluatorFallback too), or set --evaluator=topdown if you mean it", in.namespace, pods[0]),
	}}, nil
}

// checkAudit: with the background audit on, one has succeeded within the last three
// intervals (podpolicy_audit_last_success_timestamp_seconds, from the replica that holds the
// Lease), so its Reports and metrics describe the cluster as it is.
func checkAudit(ctx context.Context, in *install) ([]Finding, error) {
	if in.deployment != nil && in.serve.auditInterval <= 0 {
		return nil, &skipped{reason: "the background audit is off (no --audit-interval)"}
	}
	m, err := in.metricsFor(ctx)
	if err != nil {
		return nil, err
	}
	interval := in.serve.auditInterval
	limit := 3 * interval
	var last float64
	var started time.Time
	for _, p := range m.pods {
		if v, ok := p.value(metricAuditSuccess, nil); ok && v > last {
			last = v
		}
		if !p.started.IsZero() && (started.IsZero() || p.started.Before(started)) {
			started = p.started
		}
	}
	var what string
	switch {
	case last > 0:
		at := time.Unix(0, int64(last*float64(time.Second)))
		if in.now.Sub(at) <= limit {
			return nil, nil
		}
		what = fmt.Sprintf("the last audit succeeded at %s, %s ago", at.UTC().Format(time.RFC3339), in.now.Sub(at).Round(time.Second))
	case !started.IsZero() && in.now.Sub(started) > limit:
		what = fmt.Sprintf("no audit has succeeded since the Pods started (the first at %s, %s ago)", started.UTC().Format(time.RFC3339), in.now.Sub(started).Round(time.Second))
	default:
		return nil, nil
	}
	return []Finding{{
		Severity: Medium, Object: in.deploymentObject(), Field: metricAuditSuccess,
		Message: fmt.Sprintf("%s, more than three intervals (--audit-interval=%s): the Reports and podpolicy_audit_violations describe the cluster as it was then", what, interval),
		Fix:     fmt.Sprintf("see why the runs fail: podpolicy_audit_runs_total{result=\"failed\"} and the log of the replica holding the audit Lease in %s (kubectl logs -n %s deploy/%s | grep audit); the audit needs to list Pods and workloads and write Reports (the chart's ClusterRole)", in.namespace, in.namespace, in.fullname),
	}}, nil
}
