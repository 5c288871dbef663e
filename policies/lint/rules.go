package lint

import (
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/library"
)

// rulesPrefix starts the package path of every rule.
const rulesPrefix = "data.podpolicy.rules."

// ruleModules is one rule with its modules.
type ruleModules struct {
	rule *library.Rule
	// path is the package path, data.podpolicy.rules.<name>.
	path string
	// parsed and compiled are its policy modules, sorted by file.
	parsed, compiled []*ast.Module
}

// first is the rule's first module, where findings about the rule as a whole are placed.
func (r *ruleModules) first() *ast.Module { return r.parsed[0] }

// rules returns the rules with their modules, sorted by ID.
func (l *linter) rules() []*ruleModules {
	byPath := map[string]*ruleModules{}
	for name, m := range l.lib.Modules {
		path := m.Package.Path.String()
		pkg, ok := strings.CutPrefix(path, rulesPrefix)
		rule := l.catalog.ByPackage(pkg)
		if !ok || rule == nil {
			continue
		}
		r := byPath[path]
		if r == nil {
			r = &ruleModules{rule: rule, path: path}
			byPath[path] = r
		}
		r.parsed = append(r.parsed, m)
		r.compiled = append(r.compiled, l.compiled.Modules[name])
	}
	out := make([]*ruleModules, 0, len(byPath))
	for _, r := range byPath {
		sort.Slice(r.parsed, func(i, j int) bool { return r.parsed[i].Package.Location.File < r.parsed[j].Package.Location.File })
		sort.Slice(r.compiled, func(i, j int) bool { return r.compiled[i].Package.Location.File < r.compiled[j].Package.Location.File })
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rule.ID < out[j].rule.ID })
	return out
}

// ruleOfModule returns the ID of the rule whose package a module is, or "".
func (l *linter) ruleOfModule(m *ast.Module) string {
	pkg, ok := strings.CutPrefix(m.Package.Path.String(), rulesPrefix)
	if !ok {
		return ""
	}
	if rule := l.catalog.ByPackage(pkg); rule != nil {
		return rule.ID
	}
	return ""
}

// isTest reports whether a module is a test module.
func isTest(m *ast.Module) bool {
	return strings.HasSuffix(m.Package.Location.File, library.TestFileSuffix)
}
