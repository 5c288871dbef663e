package lint

import (
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// checkVars finds the variables of a rule that are bound in a reference and never used, and
// the local variables named like a built-in function.
func (l *linter) checkVars() {
	for _, m := range l.modules() {
		globals := globalNames(m)
		for _, r := range m.Rules {
			l.checkUnusedOutputs(r, globals)
			l.checkShadowingVars(r)
		}
	}
}

// globalNames are the names a rule's variables may refer to outside it: the module's rules and
// imports.
func globalNames(m *ast.Module) map[ast.Var]bool {
	names := map[ast.Var]bool{}
	for _, r := range m.Rules {
		if v, ok := r.Head.Ref()[0].Value.(ast.Var); ok {
			names[v] = true
		}
	}
	for _, imp := range m.Imports {
		names[imp.Name()] = true
	}
	return names
}

// checkUnusedOutputs finds a variable that a reference binds (input.roles[i]) and that
// nothing else in the rule uses: it iterates for nothing, and often stands for one meant to
// be used (Regal's unused-output-variable).
func (l *linter) checkUnusedOutputs(r *ast.Rule, globals map[ast.Var]bool) {
	uses := map[ast.Var]int{}
	declared := map[ast.Var]bool{}
	ast.WalkExprs(r, func(e *ast.Expr) bool {
		if decl, ok := e.Terms.(*ast.SomeDecl); ok {
			for _, s := range decl.Symbols {
				if v, ok := s.Value.(ast.Var); ok {
					declared[v] = true
				}
			}
		}
		return false
	})
	ast.WalkVars(r, func(v ast.Var) bool {
		uses[v]++
		return false
	})
	ast.WalkTerms(r, func(t *ast.Term) bool {
		ref, ok := t.Value.(ast.Ref)
		if !ok {
			return false
		}
		for _, part := range ref[1:] {
			v, isVar := part.Value.(ast.Var)
			if !isVar || v.IsWildcard() || v.IsGenerated() || globals[v] {
				continue
			}
			n := uses[v]
			if declared[v] {
				n--
			}
			if n == 1 {
				l.add("unused-output-variable", part.Location, fmt.Sprintf("%s is bound by %v and never used: the reference iterates over every element for nothing", v, ref),
					fmt.Sprintf("use %s, or write _ if any element will do (%v)", v, strings.Replace(ref.String(), "["+string(v)+"]", "[_]", 1)))
			}
		}
		return false
	})
}

// checkShadowingVars finds a local variable named like a built-in function or a namespace of
// them (count, object): the built-in cannot be called in its scope.
func (l *linter) checkShadowingVars(r *ast.Rule) {
	check := func(t *ast.Term) {
		v, ok := t.Value.(ast.Var)
		if !ok || v.IsWildcard() || v.IsGenerated() {
			return
		}
		if builtin := shadowedBuiltin(string(v)); builtin != "" {
			l.add("var-shadows-builtin", t.Location, fmt.Sprintf("the variable %s is named like the built-in %s, which cannot be called where it is in scope", v, builtin),
				fmt.Sprintf("rename the variable (%s_value, or a name that says what it holds)", v))
		}
	}
	ast.WalkExprs(r, func(e *ast.Expr) bool {
		switch terms := e.Terms.(type) {
		case *ast.SomeDecl:
			for _, s := range terms.Symbols {
				if call, ok := s.Value.(ast.Call); ok {
					for _, arg := range call[1 : len(call)-1] {
						check(arg)
					}
				} else {
					check(s)
				}
			}
		case *ast.Every:
			if terms.Key != nil {
				check(terms.Key)
			}
			check(terms.Value)
		case []*ast.Term:
			if e.IsAssignment() && len(terms) == 3 {
				ast.WalkTerms(terms[1], func(t *ast.Term) bool {
					check(t)
					return false
				})
			}
		}
		return false
	})
	for _, arg := range r.Head.Args {
		check(arg)
	}
}

// shadowedBuiltin returns the built-in (or namespace of built-ins) a name shadows, or "". The
// built-ins deprecated before Rego v1 (all, any, ...) are not callable in v1 and shadow nothing.
func shadowedBuiltin(name string) string {
	if b, ok := ast.BuiltinMap[name]; ok && !b.IsDeprecated() {
		return name + "()"
	}
	for builtin, b := range ast.BuiltinMap {
		if strings.HasPrefix(builtin, name+".") && !b.IsDeprecated() {
			return name + ".*"
		}
	}
	return ""
}
