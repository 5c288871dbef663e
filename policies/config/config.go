// Package config reads podpolicy's config file: rule actions and settings (over the defaults
// and a Pod Security Standards preset), dated enforcement, exceptions, exempt namespaces and
// who may soften a namespace. It is checked against the loaded rules and the default settings
// alone, so it can be read and tested without compiling the Rego library.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/util"
	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/rego"
)

// ModeLabel is the Namespace label that softens podpolicy in that namespace: warn turns
// denials into warnings, audit only logs and counts violations.
const ModeLabel = "podpolicy.io/mode"

// Action is what a violation of a rule leads to.
type Action string

// Actions a rule can be set to.
const (
	// Deny rejects the object.
	Deny Action = "deny"
	// Warn admits the object with an admission warning.
	Warn Action = "warn"
	// Audit admits the object silently; the violation is only logged and counted.
	Audit Action = "audit"
	// Off turns the rule off.
	Off Action = "off"
)

var actions = []Action{Deny, Warn, Audit, Off}

// Config is podpolicy's configuration (the config file of the README's Configuration section)
// merged over the defaults of the library's podpolicy/config/data.yaml. The rules read it as
// data.podpolicy.config (Data).
type Config struct {
	// PodSecurity is the Pod Security Standards level the config selects (one of
	// PodSecurityLevels), or "" when it selects none.
	PodSecurity string
	// ExemptNamespaces are admitted untouched.
	ExemptNamespaces []string
	// Exceptions waive a rule for matching objects.
	Exceptions []Exception
	// ModeAdmins may change the guarded labels of a Namespace (GuardedLabels).
	ModeAdmins Identities
	// GuardedLabels are the Namespace labels only ModeAdmins may add, change or remove:
	// podpolicy.io/mode, which softens podpolicy in a namespace, and the keys the webhooks'
	// namespace selector reads (guardedLabels in the config), which decide whether podpolicy
	// sees a namespace at all.
	GuardedLabels []string
	// Kinds are the kinds judged: Kubernetes' own, and those of the workloads section merged
	// over the shipped defaults.
	Kinds *kinds.Table

	actions map[string]Action
	// enforceFrom holds, by rule, the time from which a rule set to warn or audit denies.
	enforceFrom map[string]time.Time
	data        map[string]any
}

// Action returns the action configured for a rule; deny when the config names none.
func (c *Config) Action(ruleID string) Action {
	if a, ok := c.actions[ruleID]; ok {
		return a
	}
	return Deny
}

// ActionAt returns a rule's action at now: deny from its enforceFrom on, its configured
// action before; and the date it will deny from, when one is set and not reached ("" else).
func (c *Config) ActionAt(ruleID string, now time.Time) (Action, string) {
	action := c.Action(ruleID)
	from, dated := c.enforceFrom[ruleID]
	if !dated || action == Deny || action == Off {
		return action, ""
	}
	if !now.Before(from) {
		return Deny, ""
	}
	return action, c.enforceFromText(ruleID)
}

// enforceFromText is a rule's enforceFrom as written in the config.
func (c *Config) enforceFromText(ruleID string) string {
	rules, _ := c.data["rules"].(map[string]any)
	settings, _ := rules[ruleID].(map[string]any)
	text, _ := settings["enforceFrom"].(string)
	return text
}

// Exempt reports whether objects of a namespace are admitted untouched.
func (c *Config) Exempt(namespace string) bool {
	return namespace != "" && slices.Contains(c.ExemptNamespaces, namespace)
}

// Data is the config as the rules read it (data.podpolicy.config): JSON types only.
func (c *Config) Data() map[string]any { return c.data }

// Schema is what a config is checked against and merged over.
type Schema struct {
	// RuleIDs are the IDs of the loaded rules.
	RuleIDs []string
	// Defaults is the default config (YAML), which every config file is merged over.
	Defaults []byte
	// Presets holds the rule settings of each Pod Security Standards level (YAML).
	Presets []byte
	// RuleSettings are the settings rules declare with their defaults in their METADATA
	// (custom.settings), by rule ID: how a rule of a policy directory gets settings a config
	// may tune. A setting Defaults also holds keeps the value Defaults gives it.
	RuleSettings map[string]map[string]any
}

// BuiltinSchema is the schema of the embedded library's defaults and presets, for the rules
// of ruleIDs.
func BuiltinSchema(ruleIDs []string) (Schema, error) {
	defaults, err := rego.FS.ReadFile(rego.DefaultConfigFile)
	if err != nil {
		return Schema{}, fmt.Errorf("read default config: %w", err)
	}
	presets, err := rego.FS.ReadFile(rego.PresetsFile)
	if err != nil {
		return Schema{}, fmt.Errorf("read presets: %w", err)
	}
	return Schema{RuleIDs: ruleIDs, Defaults: defaults, Presets: presets}, nil
}

func (s Schema) knows(ruleID string) bool { return slices.Contains(s.RuleIDs, ruleID) }

// defaults returns the default config as a generic map, parsed afresh so that no config can
// change what another one gets.
func (s Schema) defaults() (map[string]any, error) {
	var defaults map[string]any
	if err := yaml.Unmarshal(s.Defaults, &defaults); err != nil {
		return nil, fmt.Errorf("parse default config: %w", err)
	}
	if defaults == nil {
		defaults = map[string]any{}
	}
	if len(s.RuleSettings) > 0 {
		declared, err := deepCopy(s.RuleSettings)
		if err != nil {
			return nil, fmt.Errorf("rule settings: %w", err)
		}
		rules := asMap(defaults, "rules")
		for id, settings := range declared.(map[string]any) {
			existing := asMap(rules, id)
			for name, value := range settings.(map[string]any) {
				if _, ok := existing[name]; !ok {
					existing[name] = value
				}
			}
		}
	}
	return defaults, nil
}

// deepCopy copies a value of JSON types (maps, lists, scalars) through JSON, so that no
// config shares a list or map with the rule metadata it was copied from.
func deepCopy(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Load reads the config file at path (none when empty), checks it against schema and merges
// it over the defaults.
func Load(path string, schema Schema) (*Config, error) {
	if path == "" {
		return Parse("", nil, schema)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, src, schema)
}

// Parse checks the config src read from file against schema and merges it over the defaults;
// nil src is no config file.
func Parse(file string, src []byte, schema Schema) (*Config, error) {
	if src == nil {
		return parse(file, nil, schema)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return parse(file, &yaml.Node{Kind: yaml.MappingNode}, schema)
	}
	return parse(file, doc.Content[0], schema)
}

// ParseNode is Parse of a config held in a YAML node of a larger file (a test case's
// config), so that every problem names the line of that file.
func ParseNode(file string, node *yaml.Node, schema Schema) (*Config, error) {
	return parse(file, node, schema)
}

// parse checks the config of node (nil for none) and merges it over the defaults.
func parse(file string, node *yaml.Node, schema Schema) (*Config, error) {
	merged, err := schema.defaults()
	if err != nil {
		return nil, err
	}
	if node != nil {
		user, err := parseUserNode(file, node, schema, merged)
		if err != nil {
			return nil, err
		}
		if err := applyPreset(merged, user, schema.Presets); err != nil {
			return nil, fmt.Errorf("config %s: %w", file, err)
		}
		mergeConfig(merged, user)
	}
	return newConfig(merged, schema)
}

// parseUserNode checks the config in node and decodes it.
func parseUserNode(file string, node *yaml.Node, schema Schema, defaults map[string]any) (map[string]any, error) {
	v := &validator{file: file, schema: schema, defaults: defaults}
	v.root(node)
	if len(v.problems) > 0 {
		return nil, fmt.Errorf("config %s:\n  %s", file, strings.Join(v.problems, "\n  "))
	}
	var user map[string]any
	if err := node.Decode(&user); err != nil {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	if user == nil {
		user = map[string]any{}
	}
	return user, nil
}

// mergeConfig lays user over merged: rule settings and mutation settings key by key, lists
// (exemptNamespaces, exceptions, sidecars, guardedLabels) and scalars (podSecurity) as a
// whole; workloads entry by entry over the shipped ones (mergeWorkloads); modeAdmins adds to the defaults' (the cluster admins, who can remove any guard
// anyway, always may), so that the webhook and the chart's ValidatingAdmissionPolicy, rendered
// from the same rule, admit the same identities.
func mergeConfig(merged, user map[string]any) {
	for key, value := range user {
		switch key {
		case "rules", "mutation":
			mergeMaps(asMap(merged, key), value.(map[string]any), 2)
		case "workloads":
			merged[key] = mergeWorkloads(asList(merged[key]), value.([]any))
		case "modeAdmins":
			admins := asMap(merged, key)
			for kind, names := range value.(map[string]any) {
				admins[kind] = union(asList(admins[kind]), asList(names))
			}
		default:
			merged[key] = value
		}
	}
}

// union is a followed by the items of b it does not hold.
func union(a, b []any) []any {
	out := append([]any{}, a...)
	for _, item := range b {
		if !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// mergeMaps copies src into dst, descending depth levels into nested maps.
func mergeMaps(dst, src map[string]any, depth int) {
	for key, value := range src {
		sub, isMap := value.(map[string]any)
		if existing, ok := dst[key].(map[string]any); ok && isMap && depth > 1 {
			mergeMaps(existing, sub, depth-1)
			continue
		}
		dst[key] = value
	}
}

// asMap returns m[key] as a map, creating it when absent.
func asMap(m map[string]any, key string) map[string]any {
	sub, ok := m[key].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[key] = sub
	}
	return sub
}

// newConfig builds the Config of merged settings: every rule of the schema gets an entry with
// an action, and the data handed to the rules is converted to JSON types.
func newConfig(merged map[string]any, schema Schema) (*Config, error) {
	rules := asMap(merged, "rules")
	cfg := &Config{actions: map[string]Action{}, enforceFrom: map[string]time.Time{}}
	for _, id := range schema.RuleIDs {
		settings := asMap(rules, id)
		if _, ok := settings["action"]; !ok {
			settings["action"] = string(Deny)
		}
		cfg.actions[id] = Action(settings["action"].(string))
		if from, ok := settings["enforceFrom"].(string); ok {
			t, err := ParseDate(from)
			if err != nil {
				return nil, fmt.Errorf("config: rules.%s.enforceFrom: %w", id, err)
			}
			cfg.enforceFrom[id] = t
		}
	}
	var data any = merged
	if err := util.RoundTrip(&data); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg.data = data.(map[string]any)
	merged = cfg.data
	cfg.PodSecurity, _ = merged["podSecurity"].(string)
	for _, ns := range asList(merged["exemptNamespaces"]) {
		cfg.ExemptNamespaces = append(cfg.ExemptNamespaces, ns.(string))
	}
	admins, _ := merged["modeAdmins"].(map[string]any)
	cfg.ModeAdmins = Identities{Users: stringsOf(admins["users"]), Groups: stringsOf(admins["groups"]), ServiceAccounts: stringsOf(admins["serviceAccounts"])}
	cfg.GuardedLabels = []string{ModeLabel}
	for _, key := range stringsOf(merged["guardedLabels"]) {
		if !slices.Contains(cfg.GuardedLabels, key) {
			cfg.GuardedLabels = append(cfg.GuardedLabels, key)
		}
	}
	var err error
	if cfg.Kinds, err = newKinds(asList(merged["workloads"])); err != nil {
		return nil, err
	}
	for _, raw := range asList(merged["exceptions"]) {
		e, err := newException(raw.(map[string]any))
		if err != nil {
			return nil, err
		}
		cfg.Exceptions = append(cfg.Exceptions, e)
	}
	return cfg, nil
}

func asList(v any) []any {
	list, _ := v.([]any)
	return list
}

// ParseDate reads a date of the config (an exception's expires, a rule's enforceFrom) or of
// `podpolicy check --at`: a date (2027-03-01, the start of that day, UTC) or an RFC 3339 time.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2027-03-01) nor an RFC 3339 time", s)
	}
	return t, nil
}
