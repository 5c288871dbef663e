//go:build e2e

package chart

import (
	"slices"
	"strings"
	"testing"

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
