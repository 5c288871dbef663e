package vm

import (
	"github.com/open-policy-agent/opa/v1/ir"
)

// stmtInfo is what one statement does with the locals of its function, as the passes that
// analyse a plan at load need to know it: the check (which operands to validate, how many
// locals a function needs), the walk into nested blocks, the folding of literals, the search
// for base references and the test of which rules depend on their input. Every statement
// kind is described once, by describe, so that a statement a later OPA adds is refused at
// load until it is described, instead of being misread by a pass that forgot it.
type stmtInfo struct {
	// reads are the operands whose values the statement uses, locals among them; a local
	// whose old value it compares (AssignVarOnceStmt) or changes in place is read too.
	reads []ir.Operand
	// writes are the locals the statement binds or changes, and how.
	writes []write
	// nested are the blocks the statement holds.
	nested []*ir.Block
}

// write is one local a statement writes, and how.
type write struct {
	local ir.Local
	kind  writeKind
}

// writeKind is how a statement writes a local. The passes care about different kinds:
// folding a literal into a shared constant must see everything that makes or changes a
// collection (every kind but assigns), while a base reference is a local bound only by
// lookups (every kind but changes, which keeps the binding).
type writeKind int

const (
	// assigns binds a value that exists already or that the statement computes: a copy, a
	// lookup, a call's result, a scalar, a folded constant, or nothing (ResetLocalStmt).
	assigns writeKind = iota
	// makes binds a new empty collection, which later statements fill in place.
	makes
	// changes changes the collection the local holds in place.
	changes
	// rebinds binds another value for the statement's nested block only (WithStmt).
	rebinds
)

// of is the writes of kind to locals.
func (k writeKind) of(locals ...ir.Local) []write {
	out := make([]write, len(locals))
	for i, l := range locals {
		out[i] = write{local: l, kind: k}
	}
	return out
}

// describe returns what stmt does with locals; false when the package does not know the
// statement, which the plan's check then refuses. It covers every statement of the pinned
// OPA's ir package and the package's own (the resolved calls and the folded literals);
// TestIRStatementsAreAllListed fails when either gains one.
func describe(stmt ir.Stmt) (stmtInfo, bool) {
	switch s := stmt.(type) {
	// Control and tests: they read, and write nothing.
	case *ir.NopStmt, *ir.BreakStmt:
		return stmtInfo{}, true
	case *ir.ReturnLocalStmt:
		return stmtInfo{reads: localOperands(s.Source)}, true
	case *ir.ResultSetAddStmt:
		return stmtInfo{reads: localOperands(s.Value)}, true
	case *ir.EqualStmt:
		return stmtInfo{reads: []ir.Operand{s.A, s.B}}, true
	case *ir.NotEqualStmt:
		return stmtInfo{reads: []ir.Operand{s.A, s.B}}, true
	case *ir.IsArrayStmt:
		return stmtInfo{reads: []ir.Operand{s.Source}}, true
	case *ir.IsObjectStmt:
		return stmtInfo{reads: []ir.Operand{s.Source}}, true
	case *ir.IsSetStmt:
		return stmtInfo{reads: []ir.Operand{s.Source}}, true
	case *ir.IsDefinedStmt:
		return stmtInfo{reads: localOperands(s.Source)}, true
	case *ir.IsUndefinedStmt:
		return stmtInfo{reads: localOperands(s.Source)}, true

	// Statements that hold blocks.
	case *ir.BlockStmt:
		return stmtInfo{nested: s.Blocks}, true
	case *ir.NotStmt:
		return stmtInfo{nested: []*ir.Block{s.Block}}, true
	case *ir.ScanStmt:
		return stmtInfo{reads: localOperands(s.Source), writes: assigns.of(s.Key, s.Value), nested: []*ir.Block{s.Block}}, true
	case *ir.WithStmt:
		// The local is read when the value is placed at a path inside it.
		return stmtInfo{reads: []ir.Operand{s.Value, {Value: s.Local}}, writes: rebinds.of(s.Local), nested: []*ir.Block{s.Block}}, true

	// Calls.
	case *ir.CallStmt:
		return stmtInfo{reads: s.Args, writes: assigns.of(s.Result)}, true
	case *callFunctionStmt:
		return describe(s.CallStmt)
	case *callBuiltinStmt:
		return describe(s.CallStmt)
	case *ir.CallDynamicStmt:
		return stmtInfo{reads: append(localOperands(s.Args...), s.Path...), writes: assigns.of(s.Result)}, true

	// Statements that bind a value.
	case *ir.AssignVarStmt:
		return stmtInfo{reads: []ir.Operand{s.Source}, writes: assigns.of(s.Target)}, true
	case *ir.AssignVarOnceStmt:
		return stmtInfo{reads: []ir.Operand{s.Source, {Value: s.Target}}, writes: assigns.of(s.Target)}, true
	case *ir.DotStmt:
		return stmtInfo{reads: []ir.Operand{s.Source, s.Key}, writes: assigns.of(s.Target)}, true
	case *ir.LenStmt:
		return stmtInfo{reads: []ir.Operand{s.Source}, writes: assigns.of(s.Target)}, true
	case *ir.ObjectMergeStmt:
		return stmtInfo{reads: localOperands(s.A, s.B), writes: assigns.of(s.Target)}, true
	case *ir.AssignIntStmt:
		return stmtInfo{writes: assigns.of(s.Target)}, true
	case *ir.ResetLocalStmt:
		return stmtInfo{writes: assigns.of(s.Target)}, true
	case *ir.MakeNullStmt:
		return stmtInfo{writes: assigns.of(s.Target)}, true
	case *ir.MakeNumberIntStmt:
		return stmtInfo{writes: assigns.of(s.Target)}, true
	case *ir.MakeNumberRefStmt:
		return stmtInfo{writes: assigns.of(s.Target)}, true
	case *constStmt:
		return stmtInfo{writes: assigns.of(s.Target)}, true

	// Collections: made empty, then filled in place.
	case *ir.MakeArrayStmt:
		return stmtInfo{writes: makes.of(s.Target)}, true
	case *ir.MakeObjectStmt:
		return stmtInfo{writes: makes.of(s.Target)}, true
	case *makeObjectStmt:
		return stmtInfo{writes: makes.of(s.Target)}, true
	case *ir.MakeSetStmt:
		return stmtInfo{writes: makes.of(s.Target)}, true
	case *ir.ArrayAppendStmt:
		return stmtInfo{reads: []ir.Operand{s.Value, {Value: s.Array}}, writes: changes.of(s.Array)}, true
	case *ir.ObjectInsertStmt:
		return stmtInfo{reads: []ir.Operand{s.Key, s.Value, {Value: s.Object}}, writes: changes.of(s.Object)}, true
	case *ir.ObjectInsertOnceStmt:
		return stmtInfo{reads: []ir.Operand{s.Key, s.Value, {Value: s.Object}}, writes: changes.of(s.Object)}, true
	case *ir.SetAddStmt:
		return stmtInfo{reads: []ir.Operand{s.Value, {Value: s.Set}}, writes: changes.of(s.Set)}, true
	}
	return stmtInfo{}, false
}

// localOperands is locals as operands.
func localOperands(locals ...ir.Local) []ir.Operand {
	out := make([]ir.Operand, len(locals))
	for i, l := range locals {
		out[i] = ir.Operand{Value: l}
	}
	return out
}

// mentions reports whether the statement reads or writes local.
func (info stmtInfo) mentions(local ir.Local) bool {
	for _, o := range info.reads {
		if o.Value == local {
			return true
		}
	}
	for _, w := range info.writes {
		if w.local == local {
			return true
		}
	}
	return false
}
