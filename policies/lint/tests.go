package lint

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// checkTests finds the rules nothing tests: no test module refers to the rule's package, no
// cases file sits in its folder and no case names it. podpolicy loads such a rule; it would
// ship untried.
func (l *linter) checkTests() {
	tested := l.testedPackages()
	for _, r := range l.rules() {
		if tested[r.path] || l.hasCase(r) {
			continue
		}
		m := r.first()
		file := m.Package.Location.File
		base := strings.TrimSuffix(filepath.Base(file), ".rego")
		l.add("rule-without-tests", m.Package.Location,
			fmt.Sprintf("rule %s has no tests: no _test.rego refers to package %s, and no case names it", r.rule.ID, strings.TrimPrefix(r.path, "data.")),
			fmt.Sprintf("add %s_test.rego beside it (test_deny_… and test_allow_… rules), or %s.cases.yaml with a case that expects it; podpolicy new rule writes both", base, base))
	}
}

// testedPackages are the rule packages some test module refers to.
func (l *linter) testedPackages() map[string]bool {
	tested := map[string]bool{}
	for name, m := range l.compiled.Modules {
		if !strings.HasSuffix(name, "_test.rego") {
			continue
		}
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			s := ref.String()
			if rest, ok := strings.CutPrefix(s, rulesPrefix); ok {
				pkg, _, _ := strings.Cut(rest, ".")
				pkg, _, _ = strings.Cut(pkg, "[")
				tested[rulesPrefix+pkg] = true
			}
			return false
		})
	}
	return tested
}

// hasCase reports whether a case names the rule in what it expects, or sits in a cases file in
// the folder of one of the rule's modules.
func (l *linter) hasCase(r *ruleModules) bool {
	var dirs []string
	for _, m := range r.parsed {
		dirs = append(dirs, path.Dir(filepath.ToSlash(m.Package.Location.File)))
	}
	for _, c := range l.cases {
		e := c.Expect
		if slices.Contains(dirs, path.Dir(filepath.ToSlash(c.File))) ||
			slices.Contains(e.Deny.Names, r.rule.ID) || slices.Contains(e.Warn.Names, r.rule.ID) || slices.Contains(e.Audit.Names, r.rule.ID) {
			return true
		}
		if _, ok := e.Paths[r.rule.ID]; ok {
			return true
		}
	}
	return false
}
