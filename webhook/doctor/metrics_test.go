package doctor

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// setMetric replaces the line of metric (with labels, as written) in a Pod's metrics.
func setMetric(f *fixture, pod, metric string, value string) {
	var lines []string
	for _, line := range strings.Split(f.metrics[pod], "\n") {
		if strings.HasPrefix(line, metric+" ") {
			line = metric + " " + value
		}
		lines = append(lines, line)
	}
	f.metrics[pod] = strings.Join(lines, "\n")
}

const podA, podB = fullname + "-a", fullname + "-b"

func TestConfigReload(t *testing.T) {
	runFaults(t, []fault{
		{"one Pod runs the last good config", func(t *testing.T, f *fixture) {
			setMetric(f, podB, "podpolicy_policy_reload_failing", "1")
		}, want{High, "config-reload", deployment, "podpolicy_policy_reload_failing",
			[]string{"Pod pp-podpolicy-b reports podpolicy_policy_reload_failing 1", "(/etc/podpolicy/config.yaml from ConfigMap podpolicy-system/pp-podpolicy)", "your latest change is not in force"},
			[]string{`kubectl logs -n podpolicy-system pp-podpolicy-b | grep "policy reload failed"`}}},
		{"both", func(t *testing.T, f *fixture) {
			setMetric(f, podA, "podpolicy_policy_reload_failing", "1")
			setMetric(f, podB, "podpolicy_policy_reload_failing", "1")
		}, want{High, "config-reload", deployment, "podpolicy_policy_reload_failing",
			[]string{"Pods pp-podpolicy-a, pp-podpolicy-b report podpolicy_policy_reload_failing 1"}, nil}},
	})
}

func TestEvaluator(t *testing.T) {
	topdown := func(f *fixture) {
		for _, p := range []string{podA, podB} {
			setMetric(f, p, `podpolicy_policy_evaluator{evaluator="compiled"}`, "0")
			setMetric(f, p, `podpolicy_policy_evaluator{evaluator="topdown"}`, "1")
		}
	}
	runFaults(t, []fault{
		{"fallen back to topdown", func(t *testing.T, f *fixture) { topdown(f) }, want{Medium, "evaluator", deployment, `podpolicy_policy_evaluator{evaluator="topdown"}`,
			[]string{"Pods pp-podpolicy-a, pp-podpolicy-b run the policies on OPA's topdown interpreter (--evaluator=auto)", "nearer the --eval-timeout=2s"},
			[]string{"kubectl logs -n podpolicy-system pp-podpolicy-a | grep evaluatorFallback"}}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"topdown asked for": func(t *testing.T, f *fixture) {
			topdown(f)
			f.deployment.Spec.Template.Spec.Containers[0].Args = append(f.deployment.Spec.Template.Spec.Containers[0].Args, "--evaluator", "topdown")
		},
	})
}

func TestAudit(t *testing.T) {
	runFaults(t, []fault{
		{"the last audit 31 minutes ago", func(t *testing.T, f *fixture) {
			setMetric(f, podA, "podpolicy_audit_last_success_timestamp_seconds", fmt.Sprint(now.Add(-31*time.Minute).Unix()))
		}, want{Medium, "audit", deployment, "podpolicy_audit_last_success_timestamp_seconds",
			[]string{"the last audit succeeded at 2027-03-01T11:29:00Z, 31m0s ago, more than three intervals (--audit-interval=10m0s)"},
			[]string{`podpolicy_audit_runs_total{result="failed"}`}}},
		{"no audit since the Pods started", func(t *testing.T, f *fixture) {
			setMetric(f, podA, "podpolicy_audit_last_success_timestamp_seconds", "0")
		}, want{Medium, "audit", deployment, "podpolicy_audit_last_success_timestamp_seconds",
			[]string{"no audit has succeeded since the Pods started (the first at 2027-03-01T10:00:00Z, 2h0m0s ago)"}, nil}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"29 minutes ago": func(t *testing.T, f *fixture) {
			setMetric(f, podA, "podpolicy_audit_last_success_timestamp_seconds", fmt.Sprint(now.Add(-29*time.Minute).Unix()))
		},
		"none yet, Pods started 20 minutes ago": func(t *testing.T, f *fixture) {
			setMetric(f, podA, "podpolicy_audit_last_success_timestamp_seconds", "0")
			for _, p := range f.pods {
				p.Status.StartTime.Time = now.Add(-20 * time.Minute)
			}
		},
		"a Pod that is not ready is not read": func(t *testing.T, f *fixture) {
			f.pods[1].Status.Conditions[0].Status = "False"
			f.deployment.Status.ReadyReplicas = 2 // the Deployment's status lags
			delete(f.metrics, podB)
		},
	})
	t.Run("audit off", func(t *testing.T) {
		f := cleanInstall(t)
		setArg(f, "--audit-interval=")
		r := f.run(t)
		if len(r.Findings) != 0 || len(r.Skipped) != 1 || r.Skipped[0].Check != "audit" || r.ExitCode() != ExitClean {
			t.Errorf("findings %+v, skipped %+v, exit %d; want the audit skipped, exit 0", r.Findings, r.Skipped, r.ExitCode())
		}
	})
}

func TestMetricsOff(t *testing.T) {
	f := cleanInstall(t)
	setArg(f, "--metrics-bind-address=", "--metrics-bind-address=0")
	r := f.run(t)
	expectOne(t, r, want{Low, "metrics", deployment, "spec.template.spec.containers[0].args",
		[]string{"podpolicy serves no metrics (--metrics-bind-address=0)"}, []string{"metrics.enabled=true"}})
	var skipped []string
	for _, s := range r.Skipped {
		skipped = append(skipped, s.Check+": "+s.Reason)
	}
	if got := strings.Join(skipped, "; "); got != "audit: podpolicy serves no metrics (--metrics-bind-address=0); evaluator: podpolicy serves no metrics (--metrics-bind-address=0); config-reload: podpolicy serves no metrics (--metrics-bind-address=0)" {
		t.Errorf("skipped: %s", got)
	}
}

// TestMetricsUnreadable: a Pod whose metrics the proxy cannot read makes the metrics check an
// error (exit 2); the checks that need them are skipped, the others still run.
func TestMetricsUnreadable(t *testing.T) {
	f := cleanInstall(t)
	delete(f.metrics, podB)
	r := f.run(t)
	if len(r.Errors) != 1 || r.Errors[0].Check != "metrics" || !strings.Contains(r.Errors[0].Error(), "read the metrics of Pod podpolicy-system/pp-podpolicy-b through the API server's proxy (port 8080)") {
		t.Errorf("errors %v, want the metrics check's, naming the Pod", r.Errors)
	}
	if len(r.Skipped) != 3 || len(r.Checks) != len(Checks())-4 || r.ExitCode() != ExitError {
		t.Errorf("skipped %v, checks %v, exit %d", r.Skipped, r.Checks, r.ExitCode())
	}
}
