package webhook

import (
	"crypto/tls"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/podpolicy/podpolicy/policies/audit"
	"github.com/podpolicy/podpolicy/webhook/events"
)

// recordingRegisterer registers collectors and keeps them, to read their descriptions:
// a vector without samples yet is in no Gather.
type recordingRegisterer struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// registeredMetrics are the names of every metric podpolicy serve registers: the webhook's
// (with the process's and the Go runtime's), the audit's, the Events' and the certificate's.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	reg := &recordingRegisterer{Registerer: prometheus.NewRegistry()}
	if _, err := NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := events.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(newCertExpiry(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, nil })); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range reg.collectors {
		descs := make(chan *prometheus.Desc)
		go func() { c.Describe(descs); close(descs) }()
		for d := range descs {
			if m := fqName.FindStringSubmatch(d.String()); m != nil {
				names[m[1]] = true
			}
		}
	}
	return names
}

var (
	promqlStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promqlMatchers = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promqlGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|\boffset\s+-?[0-9a-z]+`)
	labelValues    = regexp.MustCompile(`label_values\(\s*([^,)]+?)\s*(?:,[^)]*)?\)`)
	promqlToken    = regexp.MustCompile(`\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(?`)
	promqlKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true}
)

// queriedMetrics are the metric names a PromQL expression (or a Grafana label_values query)
// reads: its identifiers, without functions, keywords, label matchers, grouping labels,
// ranges, offsets and numbers.
func queriedMetrics(expr string) []string {
	expr = labelValues.ReplaceAllString(expr, "$1")
	expr = promqlStrings.ReplaceAllString(expr, "")
	expr = promqlMatchers.ReplaceAllString(expr, "")
	expr = promqlGrouping.ReplaceAllString(expr, "")
	var names []string
	for _, tok := range promqlToken.FindAllString(expr, -1) {
		tok = strings.TrimSpace(tok)
		if tok[0] >= '0' && tok[0] <= '9' || strings.HasSuffix(tok, "(") || promqlKeywords[strings.ToLower(tok)] {
			continue
		}
		names = append(names, tok)
	}
	return names
}

// unknownMetrics are the metrics of queries that registered does not hold, a histogram's
// series (_bucket, _sum, _count) counting as their histogram.
func unknownMetrics(queries []string, registered map[string]bool) []string {
	var unknown []string
	for _, q := range queries {
		for _, name := range queriedMetrics(q) {
			base := name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && registered[b] {
					base = b
				}
			}
			if !registered[base] && !slices.Contains(unknown, name) {
				unknown = append(unknown, name)
			}
		}
	}
	return unknown
}

// dashboardQueries reads the queries of the chart's Grafana dashboard: each panel's targets
// and each templating variable's query.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../charts/podpolicy/dashboards/podpolicy.json")
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string
		Targets []struct{ Expr string }
		Panels  []json.RawMessage
	}
	var dashboard struct {
		Panels     []panel
		Templating struct {
			List []struct {
				Query json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(data, &dashboard); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	var queries []string
	for _, p := range dashboard.Panels {
		for _, target := range p.Targets {
			queries = append(queries, target.Expr)
		}
	}
	for _, v := range dashboard.Templating.List {
		var query struct{ Query string }
		if json.Unmarshal(v.Query, &query) == nil && query.Query != "" {
			queries = append(queries, query.Query)
		}
	}
	return queries
}

// TestDashboardQueriesOnlyRegisteredMetrics: every metric the chart's Grafana dashboard
// queries is one podpolicy serve registers, so that renaming a metric fails this test rather
// than leaving a panel empty; and the dashboard shows what the issue asks: request rate and
// decisions, denials by rule, latency percentiles, the audit's violations by namespace and
// rule, the reload and the certificate state.
func TestDashboardQueriesOnlyRegisteredMetrics(t *testing.T) {
	registered := registeredMetrics(t)
	queries := dashboardQueries(t)
	if unknown := unknownMetrics(queries, registered); len(unknown) > 0 {
		t.Errorf("the dashboard queries metrics podpolicy does not register: %v", unknown)
	}
	all := strings.Join(queries, "\n")
	for _, want := range []string{
		"rate(podpolicy_admission_requests_total",
		"sum by (decision)",
		`podpolicy_violations_total{job=~"$job",action="deny"}`,
		"sum by (rule)",
		"histogram_quantile(0.99, sum by (le, webhook) (rate(podpolicy_admission_duration_seconds_bucket",
		"sum by (namespace) (max by (namespace, rule, action) (podpolicy_audit_violations",
		"podpolicy_policy_reload_failing",
		"podpolicy_serving_certificate_expiry_timestamp_seconds",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no query of the dashboard has %q", want)
		}
	}
}

// TestQueriedMetricsAreTheSeriesNames: the reading of queries finds a renamed metric (so the
// dashboard test can fail), and not functions, keywords, labels, ranges or numbers.
func TestQueriedMetricsAreTheSeriesNames(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`sum by (rule) (rate(podpolicy_violations_total{job=~"$job",action="deny"}[$__rate_interval]))`, []string{"podpolicy_violations_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(podpolicy_admission_duration_seconds_bucket{job="x"}[5m]))) > 2.5e0`, []string{"podpolicy_admission_duration_seconds_bucket"}},
		{`time() - max(a_seconds) > 3 * max(b_seconds) and on () c_total offset 5m`, []string{"a_seconds", "b_seconds", "c_total"}},
		{`label_values(podpolicy_admission_requests_total, job)`, []string{"podpolicy_admission_requests_total"}},
	} {
		if got := queriedMetrics(tc.expr); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.expr, got, tc.want)
		}
	}
	registered := registeredMetrics(t)
	if got := unknownMetrics([]string{`rate(podpolicy_admission_requests_count{job="x"}[5m])`, `podpolicy_admission_duration_seconds_count`}, registered); !slices.Equal(got, []string{"podpolicy_admission_requests_count"}) {
		t.Errorf("a renamed metric: unknown %v, want [podpolicy_admission_requests_count]", got)
	}
}

var (
	ruleExpr       = regexp.MustCompile(`(?m)^\s*expr: \|\n((?:\s{12,}.*\n)+)`)
	templateAction = regexp.MustCompile(`\{\{.*?\}\}`)
)

// TestAlertsQueryOnlyRegisteredMetrics: the chart's alert rules read podpolicy's metrics by
// the names it registers (and the API server's own rejection count of its webhooks), so that
// renaming a metric fails this test rather than silencing an alert.
func TestAlertsQueryOnlyRegisteredMetrics(t *testing.T) {
	data, err := os.ReadFile("../charts/podpolicy/templates/prometheusrule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, m := range ruleExpr.FindAllStringSubmatch(string(data), -1) {
		queries = append(queries, templateAction.ReplaceAllString(m[1], ""))
	}
	if alerts := strings.Count(string(data), "- alert: "); len(queries) != alerts || alerts == 0 {
		t.Fatalf("%d expressions read for %d alerts", len(queries), alerts)
	}
	registered := registeredMetrics(t)
	registered["apiserver_admission_webhook_rejection_count"] = true
	if unknown := unknownMetrics(queries, registered); len(unknown) > 0 {
		t.Errorf("the alerts query metrics podpolicy does not register: %v", unknown)
	}
}
