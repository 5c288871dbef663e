package lint

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// checkRules finds, rule by rule: rules named like a built-in, imports named like a rule, two
// identical rules, a rule that assigns its default's value, and a rule whose value iterates.
func (l *linter) checkRules() {
	for _, m := range l.modules() {
		globals := globalNames(m)
		defaults := map[string]*ast.Rule{}
		for _, r := range m.Rules {
			if r.Default {
				defaults[r.Head.Ref().String()] = r
			}
		}
		names := map[ast.Var]bool{}
		for i, r := range m.Rules {
			name, _ := r.Head.Ref()[0].Value.(ast.Var)
			if builtin := shadowedBuiltin(string(name)); builtin != "" && !names[name] {
				l.add("rule-shadows-builtin", r.Head.Location, fmt.Sprintf("the rule %s is named like the built-in %s: in its package, a call of %s calls the rule", name, builtin, name),
					fmt.Sprintf("rename the rule (a name that says what it gives, not %s)", name))
			}
			names[name] = true
			for _, earlier := range m.Rules[:i] {
				if earlier.Equal(r) {
					l.add("duplicate-rule", r.Location, fmt.Sprintf("the rule %v repeats the rule at line %d word for word", r.Head.Ref(), earlier.Location.Row), "remove one of them")
					break
				}
			}
			if d, ok := defaults[r.Head.Ref().String()]; ok && !r.Default && r.Head.Value != nil && d.Head.Value != nil && r.Head.Value.Equal(d.Head.Value) && len(r.Head.Args) == len(d.Head.Args) {
				l.add("rule-assigns-default", r.Head.Location, fmt.Sprintf("the rule %v assigns %v, the value its default already gives", r.Head.Ref(), r.Head.Value),
					"remove the rule: when its conditions hold, the default gives the same value")
			}
			l.checkTopLevelIteration(r, globals)
		}
		for _, imp := range m.Imports {
			if names[imp.Name()] {
				l.add("import-shadows-rule", imp.Location, fmt.Sprintf("the import %v is named %s, like a rule of this package, so the rule cannot be referred to by name", imp.Path, imp.Name()),
					fmt.Sprintf("import it under another name (import %v as …), or rename the rule", imp.Path))
			}
		}
	}
}

// checkTopLevelIteration finds a rule whose value iterates over a collection (x :=
// input.list[_]): with two elements the rule has two values, a conflict at evaluation.
func (l *linter) checkTopLevelIteration(r *ast.Rule, globals map[ast.Var]bool) {
	if r.Head.Value == nil || len(r.Head.Args) > 0 || r.Head.Key != nil || len(r.Body) != 1 || !r.Body[0].Equal(ast.NewExpr(ast.BooleanTerm(true))) {
		return
	}
	ref, ok := r.Head.Value.Value.(ast.Ref)
	if !ok {
		return
	}
	for _, part := range ref[1:] {
		if v, isVar := part.Value.(ast.Var); isVar && !globals[v] {
			l.add("top-level-iteration", r.Head.Location, fmt.Sprintf("the value of %v is %v, which iterates: when it has two elements, the rule has two values and evaluation fails with a conflict", r.Head.Ref(), ref),
				"make it a set or an array ({x | some x in …}), or give the index of the one element meant")
			return
		}
	}
}
