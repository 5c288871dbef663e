package webhook

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/podpolicy/podpolicy/policies/config"
)

// namespaceReview is a review of an UPDATE of Namespace demo from labels old to labels new, by
// a user of groups.
func namespaceReview(t *testing.T, user string, groups []string, old, new map[string]any) []byte {
	t.Helper()
	ns := func(labels map[string]any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "demo", "labels": labels}}
	}
	body, err := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
		"uid": "u-ns", "operation": "UPDATE", "name": "demo",
		"kind":     map[string]any{"version": "v1", "kind": "Namespace"},
		"resource": map[string]any{"version": "v1", "resource": "namespaces"},
		"userInfo": map[string]any{"username": user, "groups": groups},
		"object":   ns(new), "oldObject": ns(old),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestOnlyModeAdminsChangeTheModeLabel: a tenant adding, changing or removing
// podpolicy.io/mode is denied, told who may; the configured users, groups and service
// accounts are allowed and counted; other label changes pass.
func TestOnlyModeAdminsChangeTheModeLabel(t *testing.T) {
	admins := config.Identities{Users: []string{"alice"}, Groups: []string{"system:masters"}, ServiceAccounts: []string{"gitops/deployer"}}
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	h := NewValidatingHandler(&fakeEngine{}, Cluster{ModeAdmins: func() config.Identities { return admins }}, metrics, logr.Discard())
	mode := func(v string) map[string]any { return map[string]any{ModeLabel: v, "team": "shop"} }
	none := map[string]any{"team": "shop"}
	for _, tc := range []struct {
		name     string
		user     string
		groups   []string
		old, new map[string]any
		allowed  bool
	}{
		{"tenant adds audit", "tenant", []string{"system:authenticated"}, none, mode("audit"), false},
		{"tenant softens warn to audit", "tenant", nil, mode("warn"), mode("audit"), false},
		{"tenant removes the label", "tenant", nil, mode("warn"), none, false},
		{"tenant changes another label", "tenant", nil, mode("warn"), map[string]any{ModeLabel: "warn", "team": "payments"}, true},
		{"an admin user", "alice", nil, none, mode("audit"), true},
		{"the admin group", "bob", []string{"system:authenticated", "system:masters"}, none, mode("warn"), true},
		{"an admin service account", "system:serviceaccount:gitops:deployer", nil, mode("warn"), none, true},
		{"another service account of that namespace", "system:serviceaccount:gitops:other", nil, none, mode("audit"), false},
	} {
		_, resp := serve(t, h, namespaceReview(t, tc.user, tc.groups, tc.old, tc.new))
		if resp.Allowed != tc.allowed {
			t.Errorf("%s: allowed %v, want %v (%+v)", tc.name, resp.Allowed, tc.allowed, resp.Result)
		}
		if !tc.allowed && !strings.Contains(resp.Result.Message, "only users alice; groups system:masters; service accounts gitops/deployer may") {
			t.Errorf("%s: the denial does not say who may: %s", tc.name, resp.Result.Message)
		}
	}
	for result, want := range map[string]float64{"allowed": 3, "denied": 4} {
		var m dto.Metric
		if err := metrics.ModeChanges.WithLabelValues(result).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("podpolicy_mode_changes_total{result=%q} = %v, want %v", result, got, want)
		}
	}
}
