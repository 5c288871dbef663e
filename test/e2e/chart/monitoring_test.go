//go:build e2e

package chart

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPrometheusRuleRendersOnlyWhereItsAPIIsServed: asked for where the
// monitoring.coreos.com/v1 PrometheusRule API is not served (helm template's default
// capabilities), or with the metrics off, the render fails saying why; against this API
// server, which serves it (the Prometheus operator's CRD of the pinned module), helm template
// --validate renders it, the API server accepts it against the CRD's schema, and it holds
// exactly the alerts test/alerts tests with promtool.
func TestPrometheusRuleRendersOnlyWhereItsAPIIsServed(t *testing.T) {
	ensureNamespace(t, namespace)
	for _, tc := range []struct {
		set, want string
	}{
		{"metrics.prometheusRule.enabled=true", "metrics.prometheusRule.enabled: this cluster does not serve monitoring.coreos.com/v1 PrometheusRule; install the Prometheus operator's CRDs first"},
		{"metrics.prometheusRule.enabled=true,metrics.enabled=false", "metrics.prometheusRule.enabled: the alerts read podpolicy's metrics, and metrics.enabled is false"},
	} {
		r := helm(t, "template", release, chartDir(), "--namespace", namespace, "--set", tc.set, "--api-versions", "example.com/v1/Other")
		if r.ExitCode == 0 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("helm template --set %s: exit %d, want a failure saying %q:\n%s", tc.set, r.ExitCode, tc.want, r.Stderr)
		}
	}

	// A release of its own, without the Report CRD, which another test's installed release owns.
	const ruleRelease = "rule-check"
	r := helm(t, "template", ruleRelease, chartDir(), "--namespace", namespace, "--validate",
		"--set", "metrics.prometheusRule.enabled=true,audit.installCRDs=false", "--show-only", "templates/prometheusrule.yaml")
	if r.ExitCode != 0 {
		t.Fatalf("helm template --validate against a cluster that serves PrometheusRule: %s", r.Output())
	}
	path := filepath.Join(t.TempDir(), "rule.yaml")
	if err := os.WriteFile(path, []byte(r.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if a := kubectl(t, "apply", "--dry-run=server", "-n", namespace, "-f", path); a.ExitCode != 0 || !strings.Contains(a.Stdout, "prometheusrule.monitoring.coreos.com/"+ruleRelease+"-podpolicy created (server dry run)") {
		t.Fatalf("the API server refused the PrometheusRule: %s", a.Output())
	}
	rendered := alertNames(r.Stdout, `(?m)^\s*- alert: (\S+)$`)
	tests, err := os.ReadFile(filepath.Join(root, "test", "alerts", "podpolicy.test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tested := alertNames(string(tests), `(?m)^\s*alertname: (\S+)$`)
	if len(rendered) < 8 || !slices.Equal(rendered, tested) {
		t.Errorf("the PrometheusRule's alerts %v; the alerts promtool tests %v: want the same, eight or more", rendered, tested)
	}
}

// alertNames are the distinct names a pattern's first group finds, sorted.
func alertNames(text, pattern string) []string {
	var names []string
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(text, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// TestDashboardConfigMapIsTheDashboard: the dashboard's ConfigMap carries the chart's
// dashboards/podpolicy.json unchanged, with the label Grafana's sidecar selects, and the API
// server accepts it.
func TestDashboardConfigMapIsTheDashboard(t *testing.T) {
	ensureNamespace(t, namespace)
	path, objects := render(t, "--set", "metrics.grafanaDashboard.enabled=true")
	cm := find(t, objects, "ConfigMap", fullname+"-dashboard")
	want, err := os.ReadFile(filepath.Join(chartDir(), "dashboards", "podpolicy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := dig(cm, "data", "podpolicy.json"); got != strings.TrimRight(string(want), "\n") {
		t.Errorf("the ConfigMap's podpolicy.json is not dashboards/podpolicy.json")
	}
	if got := dig(cm, "metadata", "labels", "grafana_dashboard"); got != "1" {
		t.Errorf("label grafana_dashboard %v, want \"1\"", got)
	}
	if r := kubectl(t, "apply", "--dry-run=server", "-n", namespace, "-f", path); r.ExitCode != 0 {
		t.Fatalf("the API server refused the rendered chart: %s", r.Output())
	}
}

// TestEventsRBACIsCreateAndPatch: with Events on, the chart's ClusterRole, applied to the API
// server, lets podpolicy's ServiceAccount create and patch Events in any namespace and read a
// Pod (to find a created one stored), and do nothing else with Events; with Events off it may
// not create them.
func TestEventsRBACIsCreateAndPatch(t *testing.T) {
	const rbacRelease = "rbac-events"
	ns := "podpolicy-rbac-events"
	ensureNamespace(t, ns)
	sa := "system:serviceaccount:" + ns + ":" + rbacRelease + "-podpolicy"
	apply := func(set string) {
		t.Helper()
		r := helm(t, "template", rbacRelease, chartDir(), "--namespace", ns, "--set", set,
			"--show-only", "templates/clusterrole.yaml", "--show-only", "templates/clusterrolebinding.yaml", "--show-only", "templates/serviceaccount.yaml")
		if r.ExitCode != 0 {
			t.Fatalf("helm template: %s", r.Output())
		}
		path := filepath.Join(t.TempDir(), "rbac.yaml")
		if err := os.WriteFile(path, []byte(r.Stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		if a := kubectl(t, "apply", "-n", ns, "-f", path); a.ExitCode != 0 {
			t.Fatalf("kubectl apply: %s", a.Output())
		}
	}
	t.Cleanup(func() {
		kubectl(t, "delete", "clusterrole,clusterrolebinding", rbacRelease+"-podpolicy", "--ignore-not-found")
		kubectl(t, "delete", "namespace", ns, "--wait=false")
	})
	can := func(verb, resource string) bool {
		t.Helper()
		r := kubectl(t, "auth", "can-i", verb, resource, "--as", sa, "-n", "shop")
		return strings.TrimSpace(r.Stdout) == "yes"
	}
	apply("events.warnings=true")
	for _, tc := range []struct {
		verb, resource string
		want           bool
	}{
		{"create", "events", true}, {"patch", "events", true}, {"get", "pods", true},
		{"update", "events", false}, {"delete", "events", false}, {"list", "events", false}, {"get", "events", false},
		{"create", "events.events.k8s.io", false},
	} {
		if got := can(tc.verb, tc.resource); got != tc.want {
			t.Errorf("with Events on, %s may %s %s: %v, want %v", sa, tc.verb, tc.resource, got, tc.want)
		}
	}
	apply("events.warnings=false,events.denials=false,events.audit=false")
	if can("create", "events") {
		t.Errorf("with Events off, %s may create events", sa)
	}
}
