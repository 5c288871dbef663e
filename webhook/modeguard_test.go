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
	return namespaceSubresourceReview(t, "", user, groups, old, new)
}

// namespaceSubresourceReview is namespaceReview through a subresource ("" for none).
func namespaceSubresourceReview(t *testing.T, subresource, user string, groups []string, old, new map[string]any) []byte {
	t.Helper()
	ns := func(labels map[string]any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "demo", "labels": labels}}
	}
	body, err := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
		"uid": "u-ns", "operation": "UPDATE", "name": "demo", "subResource": subresource,
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
	cfg := &config.Config{ModeAdmins: admins, GuardedLabels: []string{ModeLabel}}
	h := NewValidatingHandler(&fakeEngine{}, Cluster{Config: func() *config.Config { return cfg }}, metrics, logr.Discard())
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

// TestGuardCoversSubresourcesAndSelectorLabels: the status and finalize subresources, through
// which a Namespace's labels change too, are guarded like the Namespace; so are the label keys
// the webhooks' namespace selector reads (guardedLabels), including setting one to an empty
// value, which a selector tells apart from an absent label.
func TestGuardCoversSubresourcesAndSelectorLabels(t *testing.T) {
	cfg := &config.Config{ModeAdmins: config.Identities{Groups: []string{"system:masters"}}, GuardedLabels: []string{ModeLabel, "example.com/no-podpolicy"}}
	h := NewValidatingHandler(&fakeEngine{}, Cluster{Config: func() *config.Config { return cfg }}, nil, logr.Discard())
	none := map[string]any{"team": "shop"}
	for _, tc := range []struct {
		name, subresource string
		old, new          map[string]any
		allowed           bool
		says              string
	}{
		{"mode through status", "status", none, map[string]any{ModeLabel: "audit"}, false, `the label podpolicy.io/mode of Namespace "demo" (from none to "audit"): it turns podpolicy's denials off there`},
		{"mode through finalize", "finalize", map[string]any{ModeLabel: "warn"}, none, false, `the label podpolicy.io/mode of Namespace "demo" (from "warn" to none)`},
		{"selector label", "", none, map[string]any{"example.com/no-podpolicy": "true"}, false, `the label example.com/no-podpolicy of Namespace "demo" (from none to "true"): podpolicy's webhooks select namespaces by it`},
		{"selector label set empty", "status", none, map[string]any{"example.com/no-podpolicy": ""}, false, `the label example.com/no-podpolicy of Namespace "demo" (from none to "")`},
		{"another label through status", "status", none, map[string]any{"team": "payments"}, true, ""},
	} {
		_, resp := serve(t, h, namespaceSubresourceReview(t, tc.subresource, "tenant", nil, tc.old, tc.new))
		if resp.Allowed != tc.allowed || !tc.allowed && !strings.Contains(resp.Result.Message, tc.says) {
			t.Errorf("%s: allowed %v (%+v), want %v saying %q", tc.name, resp.Allowed, resp.Result, tc.allowed, tc.says)
		}
	}
}
