package vm

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// constStmt assigns a value built once at load: a set or array literal of constants, which
// the plan would otherwise rebuild on every pass, e.g. `tag in {"", "latest"}` per container.
type constStmt struct {
	ir.Location
	Target ir.Local
	Value  *ast.Term
}

// makeObjectStmt is a MakeObjectStmt that knows how many members are inserted right after
// it, so the object is allocated at its final size instead of growing member by member.
type makeObjectStmt struct {
	ir.Location
	Target   ir.Local
	Capacity int
}

// foldConstants replaces, in one function's blocks, every set or array literal whose members
// are all string or boolean constants by a constStmt. A literal is only folded when nothing
// else in the function makes, changes or rebinds its local, so sharing the value is safe.
// Binding another value to the local (assigns) leaves the shared value as it is.
func (p *Program) foldConstants(blocks []*ir.Block) {
	writes := map[ir.Local]int{}
	walkStmts(blocks, func(_ ir.Stmt, info stmtInfo) {
		for _, w := range info.writes {
			if w.kind != assigns {
				writes[w.local]++
			}
		}
	})
	walkBlocks(blocks, func(b *ir.Block) { b.Stmts = p.foldBlock(b.Stmts, writes) })
}

// foldBlock folds the literals that start at each statement of stmts.
func (p *Program) foldBlock(stmts []ir.Stmt, writes map[ir.Local]int) []ir.Stmt {
	out := stmts[:0:0]
	for i := 0; i < len(stmts); i++ {
		if mk, ok := stmts[i].(*ir.MakeObjectStmt); ok {
			out = append(out, &makeObjectStmt{Location: mk.Location, Target: mk.Target, Capacity: insertsInto(stmts[i+1:], mk.Target)})
			continue
		}
		target, isSet, ok := literalStart(stmts[i])
		if !ok {
			out = append(out, stmts[i])
			continue
		}
		var members []*ast.Term
		j := i + 1
		for ; j < len(stmts); j++ {
			member, ok := p.constantMember(stmts[j], target)
			if !ok {
				break
			}
			members = append(members, member)
		}
		if writes[target] != 1+len(members) {
			out = append(out, stmts[i])
			continue
		}
		var value ast.Value = ast.NewArray(members...)
		if isSet {
			value = ast.NewSet(members...)
		}
		out = append(out, &constStmt{Location: *stmts[i].GetLocation(), Target: target, Value: ast.NewTerm(value)})
		i = j - 1
	}
	return out
}

// insertsInto counts the statements at the start of stmts that change target in place: the
// members inserted into the object a MakeObjectStmt has just made there.
func insertsInto(stmts []ir.Stmt, target ir.Local) int {
	for n, stmt := range stmts {
		info, _ := describe(stmt)
		if !slices.Contains(info.writes, write{local: target, kind: changes}) {
			return n
		}
	}
	return len(stmts)
}

// literalStart reports whether stmt creates a set or an array.
func literalStart(stmt ir.Stmt) (target ir.Local, isSet, ok bool) {
	switch s := stmt.(type) {
	case *ir.MakeSetStmt:
		return s.Target, true, true
	case *ir.MakeArrayStmt:
		return s.Target, false, true
	}
	return 0, false, false
}

// constantMember returns the constant that stmt adds to the literal in target.
func (p *Program) constantMember(stmt ir.Stmt, target ir.Local) (*ast.Term, bool) {
	var value ir.Operand
	switch s := stmt.(type) {
	case *ir.SetAddStmt:
		if s.Set != target {
			return nil, false
		}
		value = s.Value
	case *ir.ArrayAppendStmt:
		if s.Array != target {
			return nil, false
		}
		value = s.Value
	default:
		return nil, false
	}
	switch v := value.Value.(type) {
	case ir.StringIndex:
		return p.strings[v], true
	case ir.Bool:
		return ast.InternedTerm(bool(v)), true
	}
	return nil, false
}
