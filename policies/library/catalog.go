package library

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// RuleType tells what a rule package produces.
type RuleType string

// Rule types.
const (
	// ValidationRule packages define `violation`.
	ValidationRule RuleType = "validation"
	// MutationRule packages define `patch`.
	MutationRule RuleType = "mutation"
)

// severities are the accepted values of a rule's custom.severity.
var severities = map[string]bool{"critical": true, "high": true, "medium": true, "low": true, "info": true}

const rulesPackagePrefix = "data.podpolicy.rules."

// Rule is the metadata of one rule package, read from its `# METADATA` block.
type Rule struct {
	ID          string   `json:"id"`
	Package     string   `json:"package"`
	Type        RuleType `json:"type"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Severity    string   `json:"severity"`
	Remediation string   `json:"remediation"`
	// Settings are the settings the rule declares in its METADATA (custom.settings), with
	// their defaults: a rule of a policy directory declares there what a config may tune.
	Settings map[string]any `json:"-"`
}

// Catalog indexes the rules of a library by package name (the last package segment) and ID.
type Catalog struct {
	byPackage map[string]*Rule
	byID      map[string]*Rule
}

// NewCatalog reads the rule metadata of every podpolicy.rules.* package of the compiled
// modules. A rule package must declare a custom.id that matches its name (package
// container_ports_unique has ID container-ports-unique), a known severity and a remediation,
// and define `violation` or `patch`.
func NewCatalog(compiler *ast.Compiler) (*Catalog, error) {
	c := &Catalog{byPackage: map[string]*Rule{}, byID: map[string]*Rule{}}
	annotations := compiler.GetAnnotationSet()
	var errs ast.Errors
	for _, module := range compiler.Modules {
		path := module.Package.Path.String()
		name, ok := strings.CutPrefix(path, rulesPackagePrefix)
		if !ok {
			continue
		}
		if strings.Contains(name, ".") {
			// The entry point gathers data.podpolicy.rules[name]: a package further down would
			// load and never fire.
			errs = append(errs, ast.NewError(ast.CompileErr, module.Package.Location,
				"package %s: a rule is a package one level below podpolicy.rules, which the engine gathers; name it podpolicy.rules.%s (helpers belong under podpolicy.lib)",
				module.Package.Path, strings.ReplaceAll(name, ".", "_")))
			continue
		}
		rule, err := ruleOf(module, name, annotations.GetPackageScope(module.Package))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := checkContract(compiler, module); err != nil {
			errs = append(errs, err)
			continue
		}
		if existing, ok := c.byPackage[name]; ok {
			mergeRuleType(existing, rule.Type)
			continue
		}
		c.byPackage[name] = rule
		c.byID[rule.ID] = rule
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("rule metadata: %w", errs)
	}
	for _, rule := range c.byPackage {
		if rule.Type == "" {
			return nil, fmt.Errorf("rule %s (package %s): defines neither violation nor patch", rule.ID, rule.Package)
		}
	}
	return c, nil
}

// ruleOf builds the Rule of one module of package podpolicy.rules.<name>. Only one module of a
// package needs the METADATA block; the others return a Rule with just their type.
func ruleOf(module *ast.Module, name string, meta *ast.Annotations) (*Rule, *ast.Error) {
	rule := &Rule{Package: name, Type: moduleRuleType(module)}
	if meta == nil {
		return nil, ast.NewError(ast.CompileErr, module.Package.Location,
			"package %s has no METADATA block (title, description, custom.id, custom.severity, custom.remediation)", module.Package.Path)
	}
	rule.Title, rule.Description = meta.Title, strings.TrimSpace(meta.Description)
	rule.ID, _ = meta.Custom["id"].(string)
	rule.Severity, _ = meta.Custom["severity"].(string)
	rule.Remediation, _ = meta.Custom["remediation"].(string)
	loc := meta.Location
	if err := readSettings(rule, meta.Custom["settings"], module.Package.Path, loc); err != nil {
		return nil, err
	}
	switch {
	case rule.ID != strings.ReplaceAll(name, "_", "-"):
		return nil, ast.NewError(ast.CompileErr, loc, "package %s: METADATA custom.id is %q, want %q", module.Package.Path, rule.ID, strings.ReplaceAll(name, "_", "-"))
	case rule.Title == "":
		return nil, ast.NewError(ast.CompileErr, loc, "rule %s: METADATA title is missing", rule.ID)
	case !severities[rule.Severity]:
		return nil, ast.NewError(ast.CompileErr, loc, "rule %s: METADATA custom.severity %q is not one of critical, high, medium, low, info", rule.ID, rule.Severity)
	case rule.Remediation == "":
		return nil, ast.NewError(ast.CompileErr, loc, "rule %s: METADATA custom.remediation is missing", rule.ID)
	}
	return rule, nil
}

// engineSettings are the settings of every rule that the engine reads, set in the config and
// never declared by a rule.
var engineSettings = []string{"action", "enforceFrom"}

// readSettings reads a rule's METADATA custom.settings: a map from setting name to its
// default value.
func readSettings(rule *Rule, raw any, pkg ast.Ref, loc *ast.Location) *ast.Error {
	if raw == nil {
		return nil
	}
	settings, ok := raw.(map[string]any)
	if !ok {
		return ast.NewError(ast.CompileErr, loc, "package %s: METADATA custom.settings must map each setting to its default (allowedRegistries: [registry.example.com]), got %v", pkg, raw)
	}
	for name := range settings {
		if slices.Contains(engineSettings, name) {
			return ast.NewError(ast.CompileErr, loc, "package %s: METADATA custom.settings.%s: %s is set in the config (rules.<id>.%s), not declared by the rule", pkg, name, name, name)
		}
	}
	rule.Settings = settings
	return nil
}

func moduleRuleType(module *ast.Module) RuleType {
	for _, r := range module.Rules {
		switch r.Head.Ref()[0].String() {
		case "violation":
			return ValidationRule
		case "patch":
			return MutationRule
		}
	}
	return ""
}

func mergeRuleType(rule *Rule, t RuleType) {
	if rule.Type == "" {
		rule.Type = t
	}
}

// ByPackage returns the rule of a package, by its last segment (image_tag_pinned); nil when
// the package is not a rule.
func (c *Catalog) ByPackage(name string) *Rule { return c.byPackage[name] }

// Has reports whether a rule of this ID is loaded.
func (c *Catalog) Has(id string) bool { return c.byID[id] != nil }

// Sorted returns the rules ordered by ID.
func (c *Catalog) Sorted() []Rule {
	rules := make([]Rule, 0, len(c.byID))
	for _, r := range c.byID {
		rules = append(rules, *r)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules
}

// Settings returns the settings each rule declares in its METADATA, by rule ID (the rules
// that declare none are left out).
func (c *Catalog) Settings() map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range c.byID {
		if len(r.Settings) > 0 {
			out[id] = r.Settings
		}
	}
	return out
}

// IDs returns the sorted rule IDs.
func (c *Catalog) IDs() []string {
	ids := make([]string, 0, len(c.byID))
	for id := range c.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
