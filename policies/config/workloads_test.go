package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies/rego"
)

// TestBadWorkloadsAreRefusedWithTheirLine: every way a workloads entry can be wrong is refused
// at load, each problem with its file:line and field.
func TestBadWorkloadsAreRefusedWithTheirLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, `workloads:
  - {group: example.com, kind: Widget, resource: widgets, templates: [spec.pods.*]}
  - {group: example.com, kind: Gadget, resource: gadgets, templates: [spec.template.spec]}
  - {group: example.com, kind: Gizmo, resource: gizmos, templates: [spec.template], replicas: 3}
  - {group: example.com, kind: Widget, resource: widgets, templates: [spec.template]}
  - {group: apps, kind: Deployment, resource: deployments, templates: [spec.template]}
  - {group: example.com, kind: Sprocket, templates: [spec.template]}
  - {group: example.com, kind: Cog, resource: cogs, templates: []}
  - {group: example, kind: lowercase, resource: Things, templates: ["spec.items[0].template"]}
  - {group: example.com, kind: Lever, resource: levers, templates: [status.template], controllers: [lever-system]}
  - {group: example.com, kind: Pulley, resource: pulleys, templates: [spec.template], templateRef: "spec.refs[*]", runsToCompletion: "yes"}
`)
	_, err := load(t, path)
	if err == nil {
		t.Fatal("a config with bad workloads loaded")
	}
	for _, want := range []string{
		`config.yaml:2: workloads[0].templates[0]: "spec.pods.*" ends in a wildcard`,
		`config.yaml:3: workloads[1].templates[0]: "spec.template.spec" names a spec (a pod template's spec is its PodSpec), not a pod template`,
		`config.yaml:4: workloads[2].replicas: unknown field`,
		`config.yaml:5: workloads[3].kind: Widget.example.com is listed twice (first at line 2)`,
		`config.yaml:6: workloads[4].kind: Deployment.apps is one of Kubernetes' own kinds`,
		`config.yaml:7: workloads[5]: resource is required for Sprocket.example.com, which is not a shipped default`,
		`config.yaml:8: workloads[6].templates: must name at least one pod template path`,
		`config.yaml:9: workloads[7].group: str "example" is not the API group of a custom resource`,
		`config.yaml:9: workloads[7].kind: str "lowercase" is not a kind`,
		`config.yaml:9: workloads[7].resource: str "Things" is not a resource`,
		`config.yaml:9: workloads[7].templates[0]: "spec.items[0].template" is not a path of keys, [*] and *`,
		`config.yaml:10: workloads[8].templates[0]: "status.template" starts at status`,
		`config.yaml:10: workloads[8].controllers[0]: a controller is the service account it runs as, namespace/name, got "lever-system"`,
		`config.yaml:11: workloads[9].templateRef: "spec.refs[*]"`,
		`config.yaml:11: workloads[9].runsToCompletion: expected true or false, got str "yes"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain\n  %s\nerror:\n%v", want, err)
		}
	}
}

// TestWorkloadsMergeOverTheShippedKinds: an entry for a shipped kind changes only the fields it
// sets (trusting Argo's controller keeps the Rollout's template path); a new kind is added
// after the shipped ones; the shipped ones stay when the config names none.
func TestWorkloadsMergeOverTheShippedKinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, path, `workloads:
  - {group: argoproj.io, kind: Rollout, controllers: [argo-rollouts/argo-rollouts]}
  - {group: example.com, kind: Widget, resource: widgets, templates: ["spec.parts[*].podTemplate"], runsToCompletion: true}
`)
	c := mustLoad(t, path)
	rollout := c.Kinds.Lookup("argoproj.io", "Rollout")
	if rollout == nil || rollout.Templates[0].String() != "spec.template" || rollout.TemplateRef.String() != "spec.workloadRef" ||
		!slices.Equal(rollout.Controllers, []string{"argo-rollouts/argo-rollouts"}) || rollout.Resource != "rollouts" {
		t.Errorf("Rollout after the merge: %+v", rollout)
	}
	widget := c.Kinds.Lookup("example.com", "Widget")
	if widget == nil || widget.Templates[0].String() != "spec.parts[*].podTemplate" || !widget.RunsToCompletion || !widget.Configured {
		t.Errorf("Widget: %+v", widget)
	}
	configured := c.Kinds.Configured()
	if configured[len(configured)-1].Kind != "Widget" || c.Kinds.Lookup("ray.io", "RayCluster") == nil {
		t.Errorf("configured kinds %v", configured)
	}
	defaults := mustLoad(t, "")
	if r := defaults.Kinds.Lookup("argoproj.io", "Rollout"); r == nil || len(r.Controllers) != 0 {
		t.Errorf("a merge changed the shipped Rollout: %+v", r)
	}
	if defaults.Kinds.Lookup("example.com", "Widget") != nil {
		t.Error("a config's kind leaked into the defaults")
	}
}

// TestShippedWorkloadsPassTheirOwnCheck: the shipped workloads, written as a config file, pass
// the checks every config's entries must pass, and trust no controller.
func TestShippedWorkloadsPassTheirOwnCheck(t *testing.T) {
	src, err := rego.FS.ReadFile(rego.DefaultConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	var defaults struct {
		Workloads []map[string]any `yaml:"workloads"`
	}
	if err := yaml.Unmarshal(src, &defaults); err != nil {
		t.Fatal(err)
	}
	// As a config of kinds that are not shipped: every field is then required.
	for _, w := range defaults.Workloads {
		w["group"] = "shipped." + w["group"].(string)
		if _, trusted := w["controllers"]; trusted {
			t.Errorf("%s: the defaults trust a controller", w["kind"])
		}
	}
	out, err := yaml.Marshal(map[string]any{"workloads": defaults.Workloads})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Kinds.Configured()); n != 2*len(defaults.Workloads) {
		t.Errorf("%d configured kinds, want the %d shipped twice over", n, len(defaults.Workloads))
	}
}

// TestParseKindsReadsTheWorkloadsAlone: the kinds of a config are read without its rules (an
// unknown rule does not stop them), checked as Load checks them.
func TestParseKindsReadsTheWorkloadsAlone(t *testing.T) {
	table, err := ParseKinds("config.yaml", []byte("rules:\n  not-a-rule: {action: warn}\nworkloads:\n  - {group: argoproj.io, kind: Rollout, controllers: [argo-rollouts/argo-rollouts]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := table.Lookup("argoproj.io", "Rollout"); r == nil || len(r.Controllers) != 1 || table.Lookup("ray.io", "RayJob") == nil {
		t.Errorf("kinds %v", table.Configured())
	}
	if _, err := ParseKinds("config.yaml", []byte("workloads:\n  - {group: apps, kind: Deployment}\n")); err == nil || !strings.Contains(err.Error(), "config.yaml:2: workloads[0].kind: Deployment.apps is one of Kubernetes' own kinds") {
		t.Errorf("a built-in kind: %v", err)
	}
	if table, err := ParseKinds("config.yaml", []byte("")); err != nil || len(table.Configured()) != 18 {
		t.Errorf("an empty config: %v", err)
	}
}
