package vm

import (
	"github.com/open-policy-agent/opa/v1/ir"
)

// baseRefs finds the locals of one function that hold a reference into the base data
// document, written only as a chain of lookups from the data parameter (data.a.b[2]). OPA
// resolves such a reference through its storage layer, which names every member by a string
// path; a value bound to a variable first (x := data.a; x[2]) is looked up as a value. Only
// the former gets storage's reading of number and string keys (see baseDot).
func baseRefs(data ir.Local, blocks []*ir.Block) map[ir.Local]bool {
	writes := map[ir.Local][]ir.Stmt{}
	walkBlocks(blocks, func(b *ir.Block) {
		for _, stmt := range b.Stmts {
			for _, target := range targets(stmt) {
				writes[target] = append(writes[target], stmt)
			}
		}
	})
	refs := map[ir.Local]bool{}
	if len(writes[data]) > 0 {
		// `with data...` places a value that is not base data in the data parameter.
		return refs
	}
	refs[data] = true
	for changed := true; changed; {
		changed = false
		for local, stmts := range writes {
			if refs[local] || !allDotsFrom(stmts, refs) {
				continue
			}
			refs[local] = true
			changed = true
		}
	}
	return refs
}

// allDotsFrom reports whether every statement is a lookup in one of refs.
func allDotsFrom(stmts []ir.Stmt, refs map[ir.Local]bool) bool {
	for _, stmt := range stmts {
		dot, ok := stmt.(*ir.DotStmt)
		if !ok {
			return false
		}
		source, ok := dot.Source.Value.(ir.Local)
		if !ok || !refs[source] {
			return false
		}
	}
	return true
}

// targets returns the locals a statement assigns.
func targets(stmt ir.Stmt) []ir.Local {
	switch s := stmt.(type) {
	case *ir.DotStmt:
		return []ir.Local{s.Target}
	case *ir.AssignVarStmt:
		return []ir.Local{s.Target}
	case *ir.AssignVarOnceStmt:
		return []ir.Local{s.Target}
	case *ir.AssignIntStmt:
		return []ir.Local{s.Target}
	case *ir.CallStmt:
		return []ir.Local{s.Result}
	case *callFunctionStmt:
		return []ir.Local{s.Result}
	case *callBuiltinStmt:
		return []ir.Local{s.Result}
	case *ir.CallDynamicStmt:
		return []ir.Local{s.Result}
	case *ir.LenStmt:
		return []ir.Local{s.Target}
	case *ir.ObjectMergeStmt:
		return []ir.Local{s.Target}
	case *ir.ResetLocalStmt:
		return []ir.Local{s.Target}
	case *ir.MakeNullStmt:
		return []ir.Local{s.Target}
	case *ir.MakeNumberIntStmt:
		return []ir.Local{s.Target}
	case *ir.MakeNumberRefStmt:
		return []ir.Local{s.Target}
	case *ir.MakeArrayStmt:
		return []ir.Local{s.Target}
	case *ir.MakeObjectStmt:
		return []ir.Local{s.Target}
	case *ir.MakeSetStmt:
		return []ir.Local{s.Target}
	case *constStmt:
		return []ir.Local{s.Target}
	case *makeObjectStmt:
		return []ir.Local{s.Target}
	case *ir.ScanStmt:
		return []ir.Local{s.Key, s.Value}
	case *ir.WithStmt:
		return []ir.Local{s.Local}
	}
	return nil
}
