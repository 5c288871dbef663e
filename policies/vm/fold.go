package vm

import (
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
// else in the function creates or changes its local, so sharing the value is safe.
func (p *Program) foldConstants(blocks []*ir.Block) {
	writes := map[ir.Local]int{}
	var count func([]*ir.Block)
	count = func(blocks []*ir.Block) {
		for _, b := range blocks {
			for _, stmt := range b.Stmts {
				switch s := stmt.(type) {
				case *ir.MakeSetStmt:
					writes[s.Target]++
				case *ir.MakeArrayStmt:
					writes[s.Target]++
				case *ir.MakeObjectStmt:
					writes[s.Target]++
				case *ir.SetAddStmt:
					writes[s.Set]++
				case *ir.ArrayAppendStmt:
					writes[s.Array]++
				case *ir.ObjectInsertStmt:
					writes[s.Object]++
				case *ir.ObjectInsertOnceStmt:
					writes[s.Object]++
				case *ir.WithStmt:
					writes[s.Local]++
					count([]*ir.Block{s.Block})
				case *ir.BlockStmt:
					count(s.Blocks)
				case *ir.ScanStmt:
					count([]*ir.Block{s.Block})
				case *ir.NotStmt:
					count([]*ir.Block{s.Block})
				}
			}
		}
	}
	count(blocks)

	var fold func([]*ir.Block)
	fold = func(blocks []*ir.Block) {
		for _, b := range blocks {
			b.Stmts = p.foldBlock(b.Stmts, writes)
			for _, stmt := range b.Stmts {
				switch s := stmt.(type) {
				case *ir.BlockStmt:
					fold(s.Blocks)
				case *ir.ScanStmt:
					fold([]*ir.Block{s.Block})
				case *ir.NotStmt:
					fold([]*ir.Block{s.Block})
				case *ir.WithStmt:
					fold([]*ir.Block{s.Block})
				}
			}
		}
	}
	fold(blocks)
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

// insertsInto counts the object inserts into target at the start of stmts.
func insertsInto(stmts []ir.Stmt, target ir.Local) int {
	n := 0
	for _, stmt := range stmts {
		switch s := stmt.(type) {
		case *ir.ObjectInsertStmt:
			if s.Object != target {
				return n
			}
		case *ir.ObjectInsertOnceStmt:
			if s.Object != target {
				return n
			}
		default:
			return n
		}
		n++
	}
	return n
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
