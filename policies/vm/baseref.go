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
	walkStmts(blocks, func(stmt ir.Stmt, info stmtInfo) {
		for _, w := range info.writes {
			// A change in place leaves the local bound to what it was.
			if w.kind != changes {
				writes[w.local] = append(writes[w.local], stmt)
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
