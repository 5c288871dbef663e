//go:build e2e

package chart

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/test/harness"
)

// TestChartWebhookRulesAreTheKindsTable: the resources the chart's validating webhook sends to
// podpolicy, operation by operation, are exactly those of the kinds table (which the harness's
// configuration is built from): a kind added to the table and not to the chart, or the
// reverse, fails here.
func TestChartWebhookRulesAreTheKindsTable(t *testing.T) {
	_, objects := render(t)
	vwc := find(t, objects, "ValidatingWebhookConfiguration", fullname)
	var chart []string
	for _, w := range dig(vwc, "webhooks").([]any) {
		if dig(w, "name") != "validate.podpolicy.io" {
			continue
		}
		for _, r := range dig(w, "rules").([]any) {
			chart = append(chart, ruleKeys(r.(map[string]any))...)
		}
	}
	var table []string
	for _, r := range harness.ValidatingRules {
		for _, g := range r.APIGroups {
			for _, v := range r.APIVersions {
				for _, res := range r.Resources {
					for _, op := range r.Operations {
						table = append(table, g+"/"+v+"/"+res+" "+string(op))
					}
				}
			}
		}
	}
	slices.Sort(chart)
	slices.Sort(table)
	if !slices.Equal(chart, table) {
		t.Errorf("the chart's webhook rules\n%s\nare not the kinds table's\n%s", strings.Join(chart, "\n"), strings.Join(table, "\n"))
	}
}

// ruleKeys lists a rendered rule as group/version/resource operation lines.
func ruleKeys(rule map[string]any) []string {
	var keys []string
	for _, g := range rule["apiGroups"].([]any) {
		for _, v := range rule["apiVersions"].([]any) {
			for _, res := range rule["resources"].([]any) {
				for _, op := range rule["operations"].([]any) {
					keys = append(keys, g.(string)+"/"+v.(string)+"/"+res.(string)+" "+op.(string))
				}
			}
		}
	}
	return keys
}

// TestChartRendersTheConfiguredKindsIntoRulesAndRBAC: the kinds podpolicy's rendered config
// judges (the shipped workloads, one changed, and a kind the values add), the resources the
// validating webhook sends podpolicy and those its ClusterRole may read are the same list.
func TestChartRendersTheConfiguredKindsIntoRulesAndRBAC(t *testing.T) {
	_, objects := render(t, "--set-json", `config.workloads=[{"group":"platform.example.com","kind":"Widget","resource":"widgets","templates":["spec.parts[*].podTemplate"]},{"group":"argoproj.io","kind":"Rollout","controllers":["argo-rollouts/argo-rollouts"]}]`)
	rendered := dig(find(t, objects, "ConfigMap", fullname), "data", "config.yaml").(string)
	table, err := config.ParseKinds("config.yaml", []byte(rendered))
	if err != nil {
		t.Fatalf("the rendered config: %v\n%s", err, rendered)
	}
	var judged []string
	for _, k := range table.Configured() {
		judged = append(judged, k.Group+"/"+k.Resource)
	}
	builtin := map[string]bool{"": true, "apps": true, "batch": true}
	var sent []string
	for _, w := range dig(find(t, objects, "ValidatingWebhookConfiguration", fullname), "webhooks").([]any) {
		if dig(w, "name") != "validate.podpolicy.io" {
			continue
		}
		for _, r := range dig(w, "rules").([]any) {
			group := dig(r, "apiGroups", 0).(string)
			if builtin[group] {
				continue
			}
			if v := dig(r, "apiVersions").([]any); len(v) != 1 || v[0] != "*" {
				t.Errorf("rule for %s: apiVersions %v, want every version", group, v)
			}
			for _, res := range dig(r, "resources").([]any) {
				sent = append(sent, group+"/"+res.(string))
			}
		}
	}
	var readable []string
	for _, r := range dig(find(t, objects, "ClusterRole", fullname), "rules").([]any) {
		group := dig(r, "apiGroups", 0).(string)
		if builtin[group] || group == "openreports.io" || group == "admissionregistration.k8s.io" {
			continue
		}
		if verbs := fmt.Sprint(dig(r, "verbs")); verbs != "[get list watch]" {
			t.Errorf("ClusterRole rule for %s: verbs %s, want get, list and watch only", group, verbs)
		}
		for _, res := range dig(r, "resources").([]any) {
			readable = append(readable, group+"/"+res.(string))
		}
	}
	slices.Sort(judged)
	slices.Sort(sent)
	slices.Sort(readable)
	if !slices.Equal(judged, sent) || !slices.Equal(judged, readable) || !slices.Contains(judged, "platform.example.com/widgets") || len(judged) != 19 {
		t.Errorf("configured kinds\n%v\nsent by the webhook\n%v\nreadable by the ClusterRole\n%v", judged, sent, readable)
	}
	if r := table.Lookup("argoproj.io", "Rollout"); r == nil || len(r.Controllers) != 1 || r.Templates[0].String() != "spec.template" {
		t.Errorf("the Rollout after the values: %+v", r)
	}
}
