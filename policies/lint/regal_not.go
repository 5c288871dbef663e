package lint

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// checkImpossibleNot finds `not` on a partial set or object rule (not pkg.violation): such a
// rule is always defined, as the empty set when nothing is in it, so the negation never holds
// and a test written with it can never pass (or a rule never fire).
func (l *linter) checkImpossibleNot() {
	for _, m := range l.compiledModules() {
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			t, ok := e.Terms.(*ast.Term)
			if !e.Negated || !ok {
				return false
			}
			ref, ok := t.Value.(ast.Ref)
			if !ok {
				return false
			}
			for _, r := range l.compiled.GetRulesExact(ref) {
				if r.Head.RuleKind() == ast.MultiValue || r.Head.Key != nil && r.Head.Value != nil && !r.Head.Ref().IsGround() {
					l.add("impossible-not", e.Location, fmt.Sprintf("not %v never holds: %v is a partial rule, which is always defined (an empty set or object when nothing is in it)", ref, ref),
						fmt.Sprintf("test that it is empty instead: count(%v) == 0", ref))
					break
				}
			}
			return false
		})
	}
}
