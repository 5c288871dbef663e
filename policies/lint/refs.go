package lint

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// aliases maps a rule that only names a part of the input or the config (spec :=
// input.pod.spec; settings := config.rules["host-probes"]) to what it names, by the rule's
// full reference.
type aliases map[string]ast.Ref

// aliasRoots are what an alias may name.
var aliasRoots = []string{"input", "data.podpolicy.config"}

// ruleAliases reads the aliases of every compiled policy module.
func (l *linter) ruleAliases() aliases {
	a := aliases{}
	for name, m := range l.compiled.Modules {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		for _, r := range m.Rules {
			if value, ok := aliasOf(r); ok {
				a[m.Package.Path.Extend(r.Head.Ref()).String()] = value
			}
		}
	}
	return a
}

// aliasOf returns what a compiled rule names when it only names a part of the input or the
// config: the compiler writes spec := input.pod.spec as spec := __local0__ if { __local0__ =
// input.pod.spec }.
func aliasOf(r *ast.Rule) (ast.Ref, bool) {
	if r.Head.Value == nil || len(r.Head.Args) > 0 || r.Head.Key != nil || len(r.Body) != 1 || r.Else != nil {
		return nil, false
	}
	value, ok := r.Head.Value.Value.(ast.Ref)
	if ok && r.Body[0].Equal(ast.NewExpr(ast.BooleanTerm(true))) {
		return value, underRoots(value)
	}
	v, isVar := r.Head.Value.Value.(ast.Var)
	terms, isCall := r.Body[0].Terms.([]*ast.Term)
	if !isVar || !isCall || len(terms) != 3 || terms[0].String() != "eq" || terms[1].Value.Compare(v) != 0 {
		return nil, false
	}
	value, ok = terms[2].Value.(ast.Ref)
	return value, ok && underRoots(value)
}

// isAlias reports whether a rule of m is one of the aliases: its own read is what it names,
// which the reads through it account for.
func (a aliases) isAlias(m *ast.Module, r *ast.Rule) bool {
	_, ok := a[m.Package.Path.Extend(r.Head.Ref()).String()]
	return ok
}

func underRoots(ref ast.Ref) bool {
	s := ref.String()
	for _, root := range aliasRoots {
		if s == root || strings.HasPrefix(s, root+".") || strings.HasPrefix(s, root+"[") {
			return true
		}
	}
	return false
}

// expand replaces the longest prefix of ref that is an alias by what it names, until none is.
func (a aliases) expand(ref ast.Ref) ast.Ref {
	for range 8 {
		replaced := false
		for n := len(ref); n > 0; n-- {
			if target, ok := a[ref[:n].String()]; ok {
				ref = target.Concat(ref[n:])
				replaced = true
				break
			}
		}
		if !replaced {
			return ref
		}
	}
	return ref
}

// eachRead calls fn with every reference a compiled rule reads, expanded through the aliases
// and through the rule's own variables: a variable assigned a reference (__local0__ =
// input.pod.spec), or an element of a collection (some c in pod.spec.containers: c is one of
// input.pod.spec.containers[_]).
func (a aliases) eachRead(rule *ast.Rule, fn func(ref ast.Ref, loc *ast.Location)) {
	locals := map[ast.Var]ast.Ref{}
	ast.WalkExprs(rule, func(e *ast.Expr) bool {
		terms, ok := e.Terms.([]*ast.Term)
		if !ok || len(terms) == 0 {
			return false
		}
		op := terms[0].String()
		switch {
		case (op == "eq" || op == "assign") && len(terms) == 3:
			bindLocal(locals, terms[1], terms[2])
			bindLocal(locals, terms[2], terms[1])
		case op == "internal.member_2" && len(terms) == 3:
			bindElement(locals, terms[1], terms[2])
		case op == "internal.member_3" && len(terms) == 4:
			bindElement(locals, terms[2], terms[3])
		}
		return false
	})
	ast.WalkTerms(rule, func(t *ast.Term) bool {
		ref, ok := t.Value.(ast.Ref)
		if !ok {
			return false
		}
		if head, isVar := ref[0].Value.(ast.Var); isVar {
			if bound, ok := locals[head]; ok {
				ref = bound.Concat(ref[1:])
			}
		}
		fn(a.expand(ref), t.Location)
		return false
	})
}

// bindLocal records that the variable v holds the reference value.
func bindLocal(locals map[ast.Var]ast.Ref, v, value *ast.Term) {
	name, isVar := v.Value.(ast.Var)
	ref, isRef := value.Value.(ast.Ref)
	if isVar && isRef && !name.IsWildcard() {
		locals[name] = resolveLocals(locals, ref)
	}
}

// bindElement records that the variable v is an element of the collection value.
func bindElement(locals map[ast.Var]ast.Ref, v, collection *ast.Term) {
	name, isVar := v.Value.(ast.Var)
	ref, isRef := collection.Value.(ast.Ref)
	if isVar && isRef && !name.IsWildcard() {
		locals[name] = resolveLocals(locals, ref).Append(ast.VarTerm("$element"))
	}
}

func resolveLocals(locals map[ast.Var]ast.Ref, ref ast.Ref) ast.Ref {
	if head, isVar := ref[0].Value.(ast.Var); isVar {
		if bound, ok := locals[head]; ok {
			return bound.Concat(ref[1:])
		}
	}
	return ref
}
