package vm

import (
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Evaluation errors are OPA's own (*topdown.Error), with the code topdown gives the same
// failure, so that callers and the conformance suite tell them apart as they would with OPA.
const (
	conflictErr = topdown.ConflictErr
	typeErr     = topdown.TypeErr
	cancelErr   = topdown.CancelErr
	internalErr = topdown.InternalErr
)

// errorAt builds an evaluation error of code at a statement's place in the policy.
func (e *evaluation) errorAt(loc *ir.Location, code, message string) *topdown.Error {
	return &topdown.Error{Code: code, Message: message, Location: e.location(loc)}
}

// located places an error raised by a built-in at the call's place in the policy, keeping
// the code OPA's built-in wrapper gave it.
func (e *evaluation) located(loc *ir.Location, err error) error {
	if te, ok := errors.AsType[*topdown.Error](err); ok {
		located := *te
		located.Location = e.location(loc)
		return &located
	}
	return (&topdown.Error{Code: topdown.BuiltinErr, Message: err.Error(), Location: e.location(loc)}).Wrap(err)
}

// location turns a plan location into an ast one.
func (e *evaluation) location(loc *ir.Location) *ast.Location {
	if loc == nil {
		return nil
	}
	file := "policy"
	if loc.File >= 0 && loc.File < len(e.prog.files) {
		file = e.prog.files[loc.File]
	}
	return &ast.Location{File: file, Row: loc.Row, Col: loc.Col}
}
