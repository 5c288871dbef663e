package config

import (
	"fmt"

	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"go.yaml.in/yaml/v3"
)

// validator checks a config file's YAML tree and collects every problem with its line.
type validator struct {
	file     string
	schema   Schema
	defaults map[string]any
	problems []string
}

func (v *validator) fail(n *yaml.Node, field, format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf("%s:%d: %s: %s", v.file, n.Line, field, fmt.Sprintf(format, args...)))
}

// fields walks the pairs of a mapping node, reporting keys not in known (all keys are allowed
// when known is nil).
func (v *validator) fields(n *yaml.Node, field string, known []string, each func(key *yaml.Node, value *yaml.Node, field string)) {
	if n.Kind != yaml.MappingNode {
		v.fail(n, field, "expected a mapping, got %s", kindName(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		sub := joinField(field, key.Value)
		if known != nil && !slices.Contains(known, key.Value) {
			v.fail(key, sub, "unknown field (known: %s)", strings.Join(known, ", "))
			continue
		}
		each(key, value, sub)
	}
}

func joinField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func (v *validator) root(n *yaml.Node) {
	v.fields(n, "", []string{"podSecurity", "exemptNamespaces", "rules", "exceptions", "modeAdmins", "guardedLabels", "mutation", "workloads"}, func(key, value *yaml.Node, field string) {
		switch key.Value {
		case "podSecurity":
			v.level(value, field)
		case "exemptNamespaces":
			v.strings(value, field)
		case "rules":
			v.rules(value, field)
		case "exceptions":
			v.exceptions(value, field)
		case "modeAdmins":
			v.fields(value, field, []string{"users", "groups", "serviceAccounts"}, func(key, value *yaml.Node, field string) {
				v.strings(value, field)
				if key.Value == "serviceAccounts" {
					for i, sa := range value.Content {
						if ns, name, ok := strings.Cut(sa.Value, "/"); !ok || ns == "" || name == "" {
							v.fail(sa, fmt.Sprintf("%s[%d]", field, i), "a service account is namespace/name, got %q", sa.Value)
						}
					}
				}
			})
		case "guardedLabels":
			v.strings(value, field)
			for i, key := range value.Content {
				if errs := validation.IsQualifiedName(key.Value); key.Kind == yaml.ScalarNode && len(errs) > 0 {
					v.fail(key, fmt.Sprintf("%s[%d]", field, i), "%q is not a label key: %s", key.Value, strings.Join(errs, "; "))
				}
			}
		case "mutation":
			v.mutation(value, field)
		case "workloads":
			v.workloads(value, field)
		}
	})
}

// level checks that n names a Pod Security Standards level, or is empty (no level).
func (v *validator) level(n *yaml.Node, field string) {
	levels := strings.Join(PodSecurityLevels, ", ")
	switch {
	case n.Kind != yaml.ScalarNode || n.Tag != "!!str":
		v.fail(n, field, "expected one of %s, got %s", levels, kindName(n))
	case n.Value != "" && !slices.Contains(PodSecurityLevels, n.Value):
		v.fail(n, field, "level %q is not one of %s", n.Value, levels)
	}
}

func (v *validator) rules(n *yaml.Node, field string) {
	defaults, _ := v.defaults["rules"].(map[string]any)
	v.fields(n, field, nil, func(key, value *yaml.Node, field string) {
		if !v.schema.knows(key.Value) {
			v.fail(key, field, "unknown rule ID %q (known: %s)", key.Value, strings.Join(v.schema.RuleIDs, ", "))
			return
		}
		ruleDefaults, _ := defaults[key.Value].(map[string]any)
		v.fields(value, field, nil, func(setting, settingValue *yaml.Node, field string) {
			switch setting.Value {
			case "action":
				v.action(settingValue, field)
				return
			case "enforceFrom":
				// A warn or audit rule denies from this date (or RFC 3339 time) on.
				if settingValue.Kind != yaml.ScalarNode || settingValue.Tag != "!!str" {
					v.fail(settingValue, field, "expected a date such as \"2027-03-01\" (quoted), got %s", kindName(settingValue))
				} else if _, err := ParseDate(settingValue.Value); err != nil {
					v.fail(settingValue, field, "%v", err)
				}
				return
			}
			def, known := ruleDefaults[setting.Value]
			if widensWhenEmpty[key.Value] == setting.Value && settingValue.Kind == yaml.SequenceNode && len(settingValue.Content) == 0 {
				v.fail(settingValue, field, "must name at least one; an empty list would turn the rule off: set its action to off instead")
			}
			if emptyPathsWiden[key.Value] == setting.Value {
				for i, item := range settingValue.Content {
					if item.Kind == yaml.ScalarNode && strings.TrimSpace(item.Value) == "" {
						v.fail(item, fmt.Sprintf("%s[%d]", field, i), "an empty path would allow every path of the node; name the directory")
					}
				}
			}
			switch {
			case ruleDefaults != nil && !known:
				v.fail(setting, field, "unknown setting of rule %s (known: %s)", key.Value, strings.Join(settingNames(ruleDefaults), ", "))
			case known && kindOf(def) != settingValue.Kind:
				v.fail(settingValue, field, "expected %s, got %s", kindNameOf(kindOf(def)), kindName(settingValue))
			case known && isBool(def) && settingValue.Tag != "!!bool":
				v.fail(settingValue, field, "expected true or false, got %s", kindName(settingValue))
			}
		})
	})
}

func (v *validator) action(n *yaml.Node, field string) {
	for _, a := range actions {
		if n.Kind == yaml.ScalarNode && n.Value == string(a) {
			return
		}
	}
	v.fail(n, field, "action %q is not one of deny, warn, audit, off", n.Value)
}

func (v *validator) exceptions(n *yaml.Node, field string) {
	if n.Kind != yaml.SequenceNode {
		v.fail(n, field, "expected a list, got %s", kindName(n))
		return
	}
	for i, item := range n.Content {
		field := fmt.Sprintf("%s[%d]", field, i)
		seen := map[string]bool{}
		v.fields(item, field, []string{"rule", "namespaces", "names", "images", "reason", "expires"}, func(key, value *yaml.Node, field string) {
			seen[key.Value] = true
			switch key.Value {
			case "rule":
				if !v.schema.knows(value.Value) {
					v.fail(value, field, "unknown rule ID %q", value.Value)
				}
			case "reason":
				if strings.TrimSpace(value.Value) == "" {
					v.fail(value, field, "must say why the exception exists")
				}
			case "expires":
				if _, err := ParseDate(value.Value); err != nil {
					v.fail(value, field, "%v", err)
				}
			default:
				v.selector(value, field, key.Value)
			}
		})
		for _, required := range []string{"rule", "reason"} {
			if item.Kind == yaml.MappingNode && !seen[required] {
				v.fail(item, field, "%s is required", required)
			}
		}
	}
}

func (v *validator) mutation(n *yaml.Node, field string) {
	v.fields(n, field, []string{"labels", "namespaceLabels", "defaultContainer"}, func(key, value *yaml.Node, field string) {
		switch key.Value {
		case "labels":
			v.fields(value, field, nil, func(_, label *yaml.Node, field string) {
				if label.Kind != yaml.ScalarNode || label.Tag != "!!str" {
					v.fail(label, field, "label values must be strings (quote them), got %s", kindName(label))
				}
			})
		case "namespaceLabels":
			v.strings(value, field)
		case "defaultContainer":
			v.fields(value, field, []string{"enabled", "sidecars"}, func(key, value *yaml.Node, field string) {
				if key.Value == "sidecars" {
					v.strings(value, field)
				} else if value.Tag != "!!bool" {
					v.fail(value, field, "expected true or false, got %q", value.Value)
				}
			})
		}
	})
}

// exceptionSelectors names what each selector list of an exception matches, for messages.
var exceptionSelectors = map[string]string{"namespaces": "namespace", "names": "name", "images": "image"}

// selector checks a selector list of an exception: patterns, at least one, none empty. An empty
// list would match everything (an omitted selector does), so a list rendered empty from an
// unset Helm value would turn a scoped exception into a cluster-wide one; an empty pattern
// matches nothing, the same mistake the other way.
func (v *validator) selector(n *yaml.Node, field, name string) {
	v.strings(n, field)
	what := exceptionSelectors[name]
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		v.fail(n, field, "must name at least one; omit it to match every %s", what)
	}
	for i, item := range n.Content {
		if item.Kind == yaml.ScalarNode && item.Value == "" {
			v.fail(item, fmt.Sprintf("%s[%d]", field, i), "an empty pattern matches no %s (a value rendered empty?); write * to match every %s", what, what)
		}
	}
}

// widensWhenEmpty are the rule settings whose emptiness would turn their rule off, by rule: a
// rule is turned off with its action, so that the config says so.
var widensWhenEmpty = map[string]string{
	"resources-requests-required": "resources",
	"resources-limits-required":   "resources",
	"probes-required":             "probes",
}

// emptyPathsWiden are the rule settings whose empty entries would allow everything (an empty
// path prefix covers every path).
var emptyPathsWiden = map[string]string{"host-path-volumes": "allowedPaths"}

// strings checks that n is a list of strings.
func (v *validator) strings(n *yaml.Node, field string) {
	if n.Kind != yaml.SequenceNode {
		v.fail(n, field, "expected a list of strings, got %s", kindName(n))
		return
	}
	for i, item := range n.Content {
		if item.Kind != yaml.ScalarNode || item.Tag != "!!str" {
			v.fail(item, fmt.Sprintf("%s[%d]", field, i), "expected a string, got %s", kindName(item))
		}
	}
}

func settingNames(m map[string]any) []string {
	var names []string
	for name := range m {
		if name != "action" && name != "enforceFrom" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func kindOf(v any) yaml.Kind {
	switch v.(type) {
	case []any:
		return yaml.SequenceNode
	case map[string]any:
		return yaml.MappingNode
	default:
		return yaml.ScalarNode
	}
}

func isBool(v any) bool {
	_, ok := v.(bool)
	return ok
}

func kindNameOf(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a scalar"
	}
}

func kindName(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%s %q", strings.TrimPrefix(n.Tag, "!!"), n.Value)
	}
	return kindNameOf(n.Kind)
}
