package vm

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// run runs compiled statements in order until one of them does not proceed.
func (e *evaluation) run(locals []*ast.Term, ops []op) int {
	for _, o := range ops {
		if r := o(e, locals); r != proceed {
			return r
		}
	}
	return proceed
}

// nested runs a block that is itself a statement's body, and returns what the statement
// holding it yields: leaving the body is proceeding, leaving k > 0 more blocks is leaving
// k-1 blocks around the statement.
func (e *evaluation) nested(locals []*ast.Term, ops []op) int {
	switch r := e.run(locals, ops); {
	case r == proceed, r == 0:
		return proceed
	case r > 0:
		return r - 1
	default:
		return r
	}
}

// not turns what a NotStmt's body yields into what the statement yields.
func not(r int) int {
	switch {
	case r == proceed:
		return 0
	case r == 0:
		return proceed
	case r > 0:
		return r - 1
	default:
		return r
	}
}

// held turns a condition into a statement result.
func held(ok bool) int {
	if ok {
		return proceed
	}
	return 0
}
