package vm

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// block runs stmts in order until one of them does not proceed.
func (e *evaluation) block(locals []*ast.Term, stmts []ir.Stmt) int {
	for _, stmt := range stmts {
		if r := e.stmt(locals, stmt); r != proceed {
			return r
		}
	}
	return proceed
}

// nested runs a block that is itself a statement's body, and returns what the statement
// holding it yields: leaving the body is proceeding, leaving k > 0 more blocks is leaving
// k-1 blocks around the statement.
func (e *evaluation) nested(locals []*ast.Term, b *ir.Block) int {
	switch r := e.block(locals, b.Stmts); {
	case r == proceed, r == 0:
		return proceed
	case r > 0:
		return r - 1
	default:
		return r
	}
}

// operand reads a statement operand; nil is undefined.
func (e *evaluation) operand(locals []*ast.Term, o ir.Operand) *ast.Term {
	switch v := o.Value.(type) {
	case ir.Local:
		return locals[v]
	case ir.StringIndex:
		return e.prog.strings[v]
	case ir.Bool:
		return ast.InternedTerm(bool(v))
	}
	return nil
}

// held turns a condition into a statement result.
func held(ok bool) int {
	if ok {
		return proceed
	}
	return 0
}

func (e *evaluation) stmt(locals []*ast.Term, stmt ir.Stmt) int {
	switch s := stmt.(type) {
	case *ir.AssignVarStmt:
		locals[s.Target] = e.operand(locals, s.Source)
	case *callFunctionStmt:
		out, r := e.callFunction(locals, s)
		if r == aborted {
			return r
		}
		locals[s.Result] = out
		return held(out != nil)
	case *callBuiltinStmt:
		out, r := e.callBuiltin(locals, s)
		if r == aborted {
			return r
		}
		locals[s.Result] = out
		return held(out != nil)
	case *ir.DotStmt:
		v := dot(e.operand(locals, s.Source), e.operand(locals, s.Key))
		locals[s.Target] = v
		return held(v != nil)
	case *ir.NotEqualStmt:
		return held(!equal(e.operand(locals, s.A), e.operand(locals, s.B)))
	case *ir.EqualStmt:
		return held(equal(e.operand(locals, s.A), e.operand(locals, s.B)))
	case *ir.BlockStmt:
		for _, b := range s.Blocks {
			if r := e.nested(locals, b); r != proceed {
				return r
			}
		}
	case *ir.BreakStmt:
		return int(s.Index)
	case *ir.ScanStmt:
		return e.scan(locals, s)
	case *ir.NotStmt:
		switch r := e.block(locals, s.Block.Stmts); {
		case r == proceed:
			return 0
		case r == 0:
			return proceed
		case r > 0:
			return r - 1
		default:
			return r
		}
	case *ir.ObjectInsertStmt:
		obj, ok := valueOf(locals[s.Object]).(ast.Object)
		if !ok {
			return e.fail(fmt.Errorf("%s: object insert into %v", e.where(&s.Location), locals[s.Object]))
		}
		obj.Insert(e.operand(locals, s.Key), e.operand(locals, s.Value))
	case *ir.ObjectInsertOnceStmt:
		obj, ok := valueOf(locals[s.Object]).(ast.Object)
		if !ok {
			return e.fail(fmt.Errorf("%s: object insert into %v", e.where(&s.Location), locals[s.Object]))
		}
		key, value := e.operand(locals, s.Key), e.operand(locals, s.Value)
		if old := obj.Get(key); old != nil && !equal(old, value) {
			return e.fail(fmt.Errorf("%s: eval_conflict_error: object keys must be unique", e.where(&s.Location)))
		}
		obj.Insert(key, value)
	case *ir.AssignVarOnceStmt:
		v := e.operand(locals, s.Source)
		if old := locals[s.Target]; old != nil && !equal(old, v) {
			return e.fail(fmt.Errorf("%s: eval_conflict_error: complete rules must not produce multiple outputs", e.where(&s.Location)))
		}
		locals[s.Target] = v
	case *ir.SetAddStmt:
		t := locals[s.Set]
		set, ok := valueOf(t).(ast.Set)
		if !ok {
			return e.fail(fmt.Errorf("%s: set add into %v", e.where(&s.Location), t))
		}
		if set == emptySet {
			// The set's first member: it gets a set of its own, in the term every alias holds.
			set = ast.NewSet()
			t.Value = set
		}
		set.Add(e.operand(locals, s.Value))
	case *ir.ArrayAppendStmt:
		t := locals[s.Array]
		arr, ok := valueOf(t).(*ast.Array)
		if !ok {
			return e.fail(fmt.Errorf("%s: array append to %v", e.where(&s.Location), t))
		}
		t.Value = arr.Append(e.operand(locals, s.Value))
	case *ir.MakeObjectStmt:
		locals[s.Target] = e.terms.New(ast.NewObject())
	case *ir.MakeArrayStmt:
		locals[s.Target] = e.terms.New(ast.NewArrayWithCapacity(int(s.Capacity)))
	case *ir.MakeSetStmt:
		locals[s.Target] = e.terms.New(emptySet)
	case *ir.MakeNumberRefStmt:
		locals[s.Target] = e.prog.numbers[s.Index]
	case *ir.MakeNumberIntStmt:
		locals[s.Target] = ast.InternedTerm(int(s.Value))
	case *ir.AssignIntStmt:
		locals[s.Target] = ast.InternedTerm(int(s.Value))
	case *ir.MakeNullStmt:
		locals[s.Target] = ast.InternedNullTerm
	case *ir.ResetLocalStmt:
		locals[s.Target] = nil
	case *ir.IsDefinedStmt:
		return held(locals[s.Source] != nil)
	case *ir.IsUndefinedStmt:
		return held(locals[s.Source] == nil)
	case *ir.IsObjectStmt:
		_, ok := valueOf(e.local(locals, s.Source)).(ast.Object)
		return held(ok)
	case *ir.IsArrayStmt:
		_, ok := valueOf(e.local(locals, s.Source)).(*ast.Array)
		return held(ok)
	case *ir.IsSetStmt:
		_, ok := valueOf(e.local(locals, s.Source)).(ast.Set)
		return held(ok)
	case *ir.LenStmt:
		n, ok := length(e.operand(locals, s.Source))
		if !ok {
			return e.fail(fmt.Errorf("%s: length of %v", e.where(&s.Location), e.operand(locals, s.Source)))
		}
		locals[s.Target] = ast.InternedTerm(n)
	case *ir.ObjectMergeStmt:
		locals[s.Target] = merge(locals[s.A], locals[s.B])
	case *ir.ReturnLocalStmt:
		e.ret = locals[s.Source]
		return returned
	case *ir.WithStmt:
		return e.with(locals, s)
	case *ir.ResultSetAddStmt:
		return e.addResult(locals[s.Value])
	case *makeObjectStmt:
		locals[s.Target] = e.terms.New(ast.NewObjectWithCapacity(s.Capacity))
	case *constStmt:
		locals[s.Target] = s.Value
	case *ir.NopStmt:
	default:
		return e.fail(fmt.Errorf("statement %T is not supported", stmt))
	}
	return proceed
}

// local reads an operand that must be a local, as the type tests require; anything else is
// undefined, as in OPA's Wasm compiler.
func (e *evaluation) local(locals []*ast.Term, o ir.Operand) *ast.Term {
	if l, ok := o.Value.(ir.Local); ok {
		return locals[l]
	}
	return nil
}

// where names a statement's place in the policy, for errors.
func (e *evaluation) where(loc *ir.Location) string {
	file := "policy"
	if loc.File >= 0 && loc.File < len(e.prog.files) {
		file = e.prog.files[loc.File]
	}
	return fmt.Sprintf("%s:%d", file, loc.Row)
}
