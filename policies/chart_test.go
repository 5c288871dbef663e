package policies

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies/config"
)

// TestChartKnowsEveryBuiltinRule: the chart's schema (which validates each built-in rule's
// settings) and its list of built-in rule IDs (against which config.rules and exceptions are
// checked when it renders) both name exactly the rules podpolicy embeds.
func TestChartKnowsEveryBuiltinRule(t *testing.T) {
	var embedded []string
	for _, r := range newTestEngine(t, Options{}).Rules() {
		embedded = append(embedded, r.ID)
	}
	raw, err := os.ReadFile("../charts/podpolicy/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			Config struct {
				Properties struct {
					Rules struct {
						Properties map[string]json.RawMessage
					}
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var inSchema []string
	for id := range schema.Properties.Config.Properties.Rules.Properties {
		inSchema = append(inSchema, id)
	}
	helpers, err := os.ReadFile("../charts/podpolicy/templates/_helpers.tpl")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)define "podpolicy.builtinRules" -}}\n(.*?)\n\{\{- end`).FindSubmatch(helpers)
	if m == nil {
		t.Fatal(`_helpers.tpl has no "podpolicy.builtinRules"`)
	}
	listed := strings.Fields(string(m[1]))
	slices.Sort(inSchema)
	slices.Sort(listed)
	if !slices.Equal(inSchema, embedded) || !slices.Equal(listed, embedded) {
		t.Errorf("rules embedded %v\nin values.schema.json %v\nin podpolicy.builtinRules %v", embedded, inSchema, listed)
	}
}

// TestChartRegistersTheShippedWorkloads: the chart's list of shipped custom kinds, from which
// its webhook rules and ClusterRole are rendered, names exactly the workloads of podpolicy's
// default config, with the same resources.
func TestChartRegistersTheShippedWorkloads(t *testing.T) {
	helpers, err := os.ReadFile("../charts/podpolicy/templates/_helpers.tpl")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)define "podpolicy.shippedWorkloads" -}}\n(.*?)\n\{\{- end`).FindSubmatch(helpers)
	if m == nil {
		t.Fatal(`_helpers.tpl has no "podpolicy.shippedWorkloads"`)
	}
	var listed []map[string]string
	if err := yaml.Unmarshal(m[1], &listed); err != nil {
		t.Fatal(err)
	}
	table, err := config.DefaultKinds()
	if err != nil {
		t.Fatal(err)
	}
	var inChart, inConfig []string
	for _, w := range listed {
		inChart = append(inChart, w["group"]+"/"+w["kind"]+"="+w["resource"])
	}
	for _, k := range table.Configured() {
		inConfig = append(inConfig, k.Group+"/"+k.Kind+"="+k.Resource)
	}
	if !slices.Equal(inChart, inConfig) || len(inConfig) < 18 {
		t.Errorf("the chart's shipped workloads\n%v\nare not the default config's\n%v", inChart, inConfig)
	}
}
