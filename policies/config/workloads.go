package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/rego"
)

// workloadFields are the fields of an entry of the workloads section.
var workloadFields = []string{"group", "kind", "resource", "templates", "templateRef", "runsToCompletion", "controllers"}

// kindPattern is how Kubernetes names kinds: an upper-case letter, then letters and digits.
var kindPattern = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// notTemplates are the last steps of paths that name part of a pod template, or something
// beside it, rather than the template (metadata and spec) itself.
var notTemplates = map[string]string{
	"spec":           "a spec (a pod template's spec is its PodSpec)",
	"metadata":       "metadata",
	"status":         "a status",
	"containers":     "a list of containers",
	"initContainers": "a list of containers",
}

// workloads checks the workloads section of a config file: kinds that make Pods from pod
// templates, each named once, none of them a built-in kind, each with paths that can name a
// pod template. An entry for a kind the shipped defaults have changes only the fields it sets.
func (v *validator) workloads(n *yaml.Node, field string) {
	if n.Kind != yaml.SequenceNode {
		v.fail(n, field, "expected a list, got %s", kindName(n))
		return
	}
	shipped := map[string]bool{}
	for _, raw := range asList(v.defaults["workloads"]) {
		entry, _ := raw.(map[string]any)
		group, _ := entry["group"].(string)
		kind, _ := entry["kind"].(string)
		shipped[group+"/"+kind] = true
	}
	seen := map[string]int{}
	for i, item := range n.Content {
		field := fmt.Sprintf("%s[%d]", field, i)
		set := map[string]*yaml.Node{}
		v.fields(item, field, workloadFields, func(key, value *yaml.Node, field string) {
			set[key.Value] = value
			v.workloadField(key.Value, value, field)
		})
		if item.Kind != yaml.MappingNode {
			continue
		}
		group, kind := scalar(set["group"]), scalar(set["kind"])
		if set["kind"] == nil {
			v.fail(item, field, "kind is required")
			continue
		}
		id := group + "/" + kind
		switch {
		case kinds.BuiltinKind(group, kind) != nil:
			v.fail(set["kind"], field+".kind", "%s is one of Kubernetes' own kinds, which podpolicy judges already; a workloads entry cannot change it", displayKind(group, kind))
		case seen[id] > 0:
			v.fail(set["kind"], field+".kind", "%s is listed twice (first at line %d)", displayKind(group, kind), seen[id])
		case !shipped[id]:
			for _, required := range []string{"group", "resource", "templates"} {
				if set[required] == nil {
					v.fail(item, field, "%s is required for %s, which is not a shipped default", required, displayKind(group, kind))
				}
			}
		}
		if seen[id] == 0 {
			seen[id] = set["kind"].Line
		}
	}
}

// workloadField checks one field of a workloads entry.
func (v *validator) workloadField(name string, value *yaml.Node, field string) {
	switch name {
	case "group":
		if errs := validation.IsDNS1123Subdomain(scalar(value)); value.Kind != yaml.ScalarNode || len(errs) > 0 || !strings.Contains(value.Value, ".") {
			v.fail(value, field, "%s is not the API group of a custom resource (a DNS subdomain such as argoproj.io)", kindName(value))
		}
	case "kind":
		if value.Kind != yaml.ScalarNode || !kindPattern.MatchString(value.Value) {
			v.fail(value, field, "%s is not a kind (an upper-case letter, then letters and digits, such as Rollout)", kindName(value))
		}
	case "resource":
		if errs := validation.IsDNS1123Label(scalar(value)); value.Kind != yaml.ScalarNode || len(errs) > 0 {
			v.fail(value, field, "%s is not a resource (the kind's lower-case plural, such as rollouts)", kindName(value))
		}
	case "templates":
		v.strings(value, field)
		if value.Kind == yaml.SequenceNode && len(value.Content) == 0 {
			v.fail(value, field, "must name at least one pod template path")
		}
		for i, item := range value.Content {
			if item.Kind == yaml.ScalarNode {
				v.templatePath(item, fmt.Sprintf("%s[%d]", field, i))
			}
		}
	case "templateRef":
		if value.Kind != yaml.ScalarNode || value.Tag != "!!str" {
			v.fail(value, field, "expected a path such as spec.workloadRef, got %s", kindName(value))
		} else if p, err := kinds.ParsePath(value.Value); err != nil {
			v.fail(value, field, "%v", err)
		} else if p.Wild() {
			v.fail(value, field, "%q has a wildcard: a reference is one field", value.Value)
		}
	case "runsToCompletion":
		if value.Tag != "!!bool" {
			v.fail(value, field, "expected true or false, got %s", kindName(value))
		}
	case "controllers":
		v.strings(value, field)
		for i, sa := range value.Content {
			if ns, name, ok := strings.Cut(sa.Value, "/"); !ok || ns == "" || name == "" || strings.Contains(name, "/") {
				v.fail(sa, fmt.Sprintf("%s[%d]", field, i), "a controller is the service account it runs as, namespace/name, got %q", sa.Value)
			}
		}
	}
}

// templatePath checks a pod template path: one that can name a pod template.
func (v *validator) templatePath(n *yaml.Node, field string) {
	p, err := kinds.ParsePath(n.Value)
	if err != nil {
		v.fail(n, field, "%v", err)
		return
	}
	if what, ok := notTemplates[p[len(p)-1].Key]; ok {
		v.fail(n, field, "%q names %s, not a pod template (the member holding metadata and spec, such as spec.template)", n.Value, what)
	}
}

// scalar is a scalar node's value; "" for anything else or none.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// displayKind names a kind with its group, as in messages: Rollout.argoproj.io.
func displayKind(group, kind string) string {
	if group == "" {
		return kind
	}
	return kind + "." + group
}

// mergeWorkloads lays the user's workloads entries over the shipped ones: an entry of a kind
// the defaults have changes the fields it sets; any other is added after them.
func mergeWorkloads(shipped, user []any) []any {
	out := make([]any, 0, len(shipped)+len(user))
	for _, raw := range shipped {
		out = append(out, maps(raw))
	}
	for _, raw := range user {
		entry := raw.(map[string]any)
		i := slices.IndexFunc(out, func(o any) bool {
			m := o.(map[string]any)
			return m["group"] == entry["group"] && m["kind"] == entry["kind"]
		})
		if i < 0 {
			out = append(out, entry)
			continue
		}
		merged := out[i].(map[string]any)
		for key, value := range entry {
			merged[key] = value
		}
	}
	return out
}

// maps copies a map entry so that merging never writes into the parsed defaults.
func maps(raw any) map[string]any {
	m := map[string]any{}
	for k, v := range raw.(map[string]any) {
		m[k] = v
	}
	return m
}

// newKinds builds the kinds table of the merged workloads entries, which the validator (or,
// for the shipped defaults, a test) has checked.
func newKinds(entries []any) (*kinds.Table, error) {
	var configured []kinds.Kind
	for i, raw := range entries {
		entry, _ := raw.(map[string]any)
		k := kinds.Kind{Resource: stringOf(entry["resource"])}
		k.Group, k.Kind = stringOf(entry["group"]), stringOf(entry["kind"])
		k.RunsToCompletion, _ = entry["runsToCompletion"].(bool)
		k.Controllers = stringsOf(entry["controllers"])
		for _, s := range stringsOf(entry["templates"]) {
			p, err := kinds.ParsePath(s)
			if err != nil {
				return nil, fmt.Errorf("config: workloads[%d].templates: %w", i, err)
			}
			k.Templates = append(k.Templates, p)
		}
		if ref := stringOf(entry["templateRef"]); ref != "" {
			p, err := kinds.ParsePath(ref)
			if err != nil {
				return nil, fmt.Errorf("config: workloads[%d].templateRef: %w", i, err)
			}
			k.TemplateRef = p
		}
		if k.Group == "" || k.Kind == "" || k.Resource == "" || len(k.Templates) == 0 {
			return nil, fmt.Errorf("config: workloads[%d] (%s) needs group, kind, resource and templates", i, displayKind(k.Group, k.Kind))
		}
		configured = append(configured, k)
	}
	return kinds.NewTable(configured), nil
}

// DefaultKinds is the kinds table of the default config: the built-in kinds and the shipped
// workloads.
func DefaultKinds() (*kinds.Table, error) {
	src, err := rego.FS.ReadFile(rego.DefaultConfigFile)
	if err != nil {
		return nil, fmt.Errorf("read default config: %w", err)
	}
	defaults, err := Schema{Defaults: src}.defaults()
	if err != nil {
		return nil, err
	}
	return newKinds(asList(defaults["workloads"]))
}

// ParseKinds reads the kinds table of the config file src (read from file): its workloads
// section, checked as Load checks it, merged over the shipped workloads. The rest of the
// config is not read: a tool that needs only the kinds (podpolicy doctor) works with a config
// whose rules it cannot check.
func ParseKinds(file string, src []byte) (*kinds.Table, error) {
	defaultSrc, err := rego.FS.ReadFile(rego.DefaultConfigFile)
	if err != nil {
		return nil, fmt.Errorf("read default config: %w", err)
	}
	defaults, err := Schema{Defaults: defaultSrc}.defaults()
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	shipped := asList(defaults["workloads"])
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return newKinds(shipped)
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "workloads" {
			continue
		}
		v := &validator{file: file, defaults: defaults}
		v.workloads(root.Content[i+1], "workloads")
		if len(v.problems) > 0 {
			return nil, fmt.Errorf("config %s:\n  %s", file, strings.Join(v.problems, "\n  "))
		}
		var user []any
		if err := root.Content[i+1].Decode(&user); err != nil {
			return nil, fmt.Errorf("config %s: %w", file, err)
		}
		return newKinds(mergeWorkloads(shipped, user))
	}
	return newKinds(shipped)
}
