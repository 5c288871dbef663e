package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/types"
)

// comparisons are the built-ins whose result on constants is constant.
var comparisons = map[string]string{"equal": "==", "neq": "!=", "lt": "<", "gt": ">", "lte": "<=", "gte": ">=", "eq": "="}

// patternBuiltins are the built-ins whose first argument is a regular expression.
var patternBuiltins = []string{"regex.match", "regex.split", "regex.find_n", "regex.find_all_string_submatch_n", "regex.replace", "regex.template_match"}

// checkExprs finds, expression by expression: constant conditions, != against an iteration,
// built-in results thrown away, sprintf calls whose verbs and arguments differ, regular
// expressions that do not compile, and object literals written as rule bodies.
func (l *linter) checkExprs() {
	for _, m := range l.modules() {
		ast.WalkRules(m, func(r *ast.Rule) bool {
			if len(r.Body) == 1 {
				if t, ok := r.Body[0].Terms.(*ast.Term); ok {
					if _, isObject := t.Value.(ast.Object); isObject {
						l.add("if-object-literal", r.Body[0].Location,
							fmt.Sprintf("the body of %s is the object %v, which is always true: `if {}` and `if {\"a\": 1}` are objects, not conditions", r.Head.Ref(), t),
							"write the conditions one per line (if { input.a == 1 }), or drop the body of a rule that always holds")
					}
				}
			}
			return false
		})
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			l.checkExpr(e)
			return false
		})
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if call, ok := t.Value.(ast.Call); ok {
				l.checkCall(call[0], call[1:], t.Location)
			}
			return false
		})
	}
}

// checkExpr checks one expression of a body.
func (l *linter) checkExpr(e *ast.Expr) {
	if t, ok := e.Terms.(*ast.Term); ok && !e.Negated {
		switch v := t.Value.(type) {
		case ast.String, ast.Number, ast.Null, ast.Boolean:
			if v.Compare(ast.Boolean(true)) != 0 {
				l.add("constant-condition", e.Location, fmt.Sprintf("the condition %v is a constant, always %s", t, truth(v)), "compare the input or the config with it, or remove it")
			}
		}
		return
	}
	if !e.IsCall() {
		return
	}
	terms := e.Terms.([]*ast.Term)
	op, args := terms[0], terms[1:]
	name := op.String()
	l.checkCall(op, args, e.Location)
	if symbol, ok := comparisons[name]; ok && len(args) == 2 && isScalar(args[0]) && isScalar(args[1]) {
		l.add("constant-condition", e.Location, fmt.Sprintf("the condition %v %s %v compares two constants, so it is always %v", args[0], symbol, args[1], constantComparison(name, args[0], args[1])),
			"compare the input or the config with the constant")
	}
	if name == "neq" && len(args) == 2 && (iterates(args[0]) || iterates(args[1])) {
		l.add("not-equals-in-loop", e.Location, fmt.Sprintf("%v != %v holds when any one element differs, not when none equals", args[0], args[1]),
			"to say that no element equals, write `not x in collection` (or every element: `every x in collection { x != y }`)")
	}
	if builtin, ok := ast.BuiltinMap[name]; ok && !strings.HasPrefix(name, "internal.") && builtin.Decl != nil && len(args) == len(builtin.Decl.FuncArgs().Args) {
		if result := builtin.Decl.Result(); result != nil && !types.Contains(result, types.B) && types.Compare(result, types.A) != 0 {
			l.add("unassigned-return-value", e.Location, fmt.Sprintf("the result of %s is neither assigned nor compared, so the call only fails when %s is undefined", name, name),
				fmt.Sprintf("assign it (x := %v) or compare it with what it must be", e))
		}
	}
}

// checkCall checks a call of op on args: sprintf's verbs against its arguments, and the
// regular expression of a regex built-in.
func (l *linter) checkCall(op *ast.Term, args []*ast.Term, loc *ast.Location) {
	name := op.String()
	switch {
	case name == "sprintf" && len(args) >= 2:
		format, isString := args[0].Value.(ast.String)
		list, isArray := args[1].Value.(*ast.Array)
		if !isString || !isArray {
			return
		}
		if _, needed := formatVerbs(string(format)); needed != list.Len() {
			l.add("sprintf-arguments-mismatch", loc, fmt.Sprintf("sprintf(%v, …) has verbs for %d arguments and is given %d, so the message reads %%!v(MISSING) or %%!(EXTRA …)", args[0], needed, list.Len()),
				"give one argument for each verb (%s, %v, %d, …), or write %% for a percent sign")
		}
	case isPatternBuiltin(name) && len(args) >= 1:
		pattern, ok := args[0].Value.(ast.String)
		if !ok {
			return
		}
		if _, err := regexp.Compile(string(pattern)); err != nil {
			l.add("invalid-regexp", loc, fmt.Sprintf("the regular expression %v of %s does not compile (%v), so the call always fails", args[0], name, err), "correct the expression (Go's RE2 syntax)")
		}
	}
}

func isPatternBuiltin(name string) bool {
	for _, b := range patternBuiltins {
		if b == name {
			return true
		}
	}
	return false
}

func isScalar(t *ast.Term) bool {
	switch t.Value.(type) {
	case ast.String, ast.Number, ast.Null, ast.Boolean:
		return true
	}
	return false
}

// iterates reports whether a term is a reference that iterates with _.
func iterates(t *ast.Term) bool {
	ref, ok := t.Value.(ast.Ref)
	if !ok {
		return false
	}
	for _, part := range ref[1:] {
		if v, isVar := part.Value.(ast.Var); isVar && v.IsWildcard() {
			return true
		}
	}
	return false
}

// truth says whether a constant condition always holds.
func truth(v ast.Value) string {
	if v.Compare(ast.Boolean(false)) == 0 {
		return "false: the rule never holds"
	}
	return "true: it decides nothing"
}

// constantComparison evaluates a comparison of two constants.
func constantComparison(name string, a, b *ast.Term) bool {
	c := a.Value.Compare(b.Value)
	switch name {
	case "equal", "eq":
		return c == 0
	case "neq":
		return c != 0
	case "lt":
		return c < 0
	case "gt":
		return c > 0
	case "lte":
		return c <= 0
	}
	return c >= 0
}
