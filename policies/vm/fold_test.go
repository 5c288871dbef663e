package vm

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// folded describes the statements of blocks after folding, one line per statement, nested
// blocks indented: folded literals with their value, objects with their capacity.
func folded(blocks []*ir.Block) string {
	var b strings.Builder
	var write func(blocks []*ir.Block, indent string)
	write = func(blocks []*ir.Block, indent string) {
		for _, blk := range blocks {
			for _, stmt := range blk.Stmts {
				switch s := stmt.(type) {
				case *constStmt:
					fmt.Fprintf(&b, "%sconst L%d %v\n", indent, s.Target, s.Value)
				case *makeObjectStmt:
					fmt.Fprintf(&b, "%sobject L%d capacity %d\n", indent, s.Target, s.Capacity)
				default:
					fmt.Fprintf(&b, "%s%T\n", indent, stmt)
				}
				info, _ := describe(stmt)
				write(info.nested, indent+"  ")
			}
		}
	}
	write(blocks, "")
	return b.String()
}

// TestFoldConstants: a set or array literal of string and boolean constants becomes one
// constant, unless something else in the function makes, changes or rebinds its local.
func TestFoldConstants(t *testing.T) {
	a, b := stringOp(0), stringOp(1)
	for name, tc := range map[string]struct {
		blocks []*ir.Block
		want   string
	}{
		"set": {[]*ir.Block{block(
			&ir.MakeSetStmt{Target: 2},
			&ir.SetAddStmt{Value: a, Set: 2},
			&ir.SetAddStmt{Value: b, Set: 2},
			&ir.EqualStmt{A: localOp(2), B: localOp(2)},
		)}, `const L2 {"a", "b"}` + "\n*ir.EqualStmt\n"},
		"array, in order": {[]*ir.Block{block(
			&ir.MakeArrayStmt{Target: 2},
			&ir.ArrayAppendStmt{Value: b, Array: 2},
			&ir.ArrayAppendStmt{Value: boolOp(true), Array: 2},
		)}, `const L2 ["b", true]` + "\n"},
		"empty set": {[]*ir.Block{block(&ir.MakeSetStmt{Target: 2})}, "const L2 set()\n"},
		"in a nested block": {[]*ir.Block{block(&ir.ScanStmt{Source: 0, Key: 3, Value: 4, Block: block(
			&ir.MakeSetStmt{Target: 2},
			&ir.SetAddStmt{Value: a, Set: 2},
		)})}, "*ir.ScanStmt\n  const L2 {\"a\"}\n"},
		"a member that is not constant": {[]*ir.Block{block(
			&ir.MakeArrayStmt{Target: 2},
			&ir.ArrayAppendStmt{Value: a, Array: 2},
			&ir.ArrayAppendStmt{Value: localOp(0), Array: 2},
		)}, "*ir.MakeArrayStmt\n*ir.ArrayAppendStmt\n*ir.ArrayAppendStmt\n"},
		"made twice": {[]*ir.Block{
			block(&ir.MakeSetStmt{Target: 2}, &ir.SetAddStmt{Value: a, Set: 2}),
			block(&ir.MakeSetStmt{Target: 2}, &ir.SetAddStmt{Value: b, Set: 2}),
		}, "*ir.MakeSetStmt\n*ir.SetAddStmt\n*ir.MakeSetStmt\n*ir.SetAddStmt\n"},
		"changed later": {[]*ir.Block{
			block(&ir.MakeSetStmt{Target: 2}, &ir.SetAddStmt{Value: a, Set: 2}),
			block(&ir.NotStmt{Block: block(&ir.SetAddStmt{Value: localOp(0), Set: 2})}),
		}, "*ir.MakeSetStmt\n*ir.SetAddStmt\n*ir.NotStmt\n  *ir.SetAddStmt\n"},
		"rebound by with": {[]*ir.Block{block(
			&ir.MakeSetStmt{Target: 2},
			&ir.WithStmt{Local: 2, Value: a, Block: block()},
		)}, "*ir.MakeSetStmt\n*ir.WithStmt\n"},
		// Binding another value to the local leaves the shared constant as it is.
		"assigned elsewhere": {[]*ir.Block{
			block(&ir.MakeSetStmt{Target: 2}, &ir.SetAddStmt{Value: a, Set: 2}),
			block(&ir.AssignVarStmt{Source: localOp(0), Target: 2}),
		}, "const L2 {\"a\"}\n*ir.AssignVarStmt\n"},
		"object capacity": {[]*ir.Block{block(
			&ir.MakeObjectStmt{Target: 2},
			&ir.ObjectInsertStmt{Key: a, Value: a, Object: 2},
			&ir.ObjectInsertOnceStmt{Key: b, Value: a, Object: 2},
			&ir.ObjectInsertStmt{Key: a, Value: a, Object: 3},
			&ir.ObjectInsertStmt{Key: b, Value: a, Object: 2},
		)}, "object L2 capacity 2\n*ir.ObjectInsertStmt\n*ir.ObjectInsertOnceStmt\n*ir.ObjectInsertStmt\n*ir.ObjectInsertStmt\n"},
	} {
		p := testCompiler("a", "b").Program
		p.foldConstants(tc.blocks)
		if got := folded(tc.blocks); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", name, got, tc.want)
		}
	}
}

// TestFoldedLiteralInAPolicy: the set literal of a membership test is built once, at load,
// and the rule still tells members from non-members.
func TestFoldedLiteralInAPolicy(t *testing.T) {
	program := load(t, `package p
latest := input.tag in {"", "latest"}
`, "data.p.latest")
	var blocks []*ir.Block
	for _, f := range program.funcs {
		blocks = append(blocks, f.fn.Blocks...)
	}
	if got := folded(blocks); !strings.Contains(got, `const L`) || !strings.Contains(got, `{"", "latest"}`) {
		t.Errorf("the literal is not folded:\n%s", got)
	}
	for tag, want := range map[string]bool{"latest": true, "": true, "v1": false} {
		input := ast.NewObject([2]*ast.Term{ast.StringTerm("tag"), ast.StringTerm(tag)})
		got, err := program.Eval(context.Background(), input)
		if err != nil || !got.Equal(ast.BooleanTerm(want)) {
			t.Errorf("tag %q: got %v, %v; want %v", tag, got, err, want)
		}
	}
}
