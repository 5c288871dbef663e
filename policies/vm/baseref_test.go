package vm

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// TestBaseRefs: with data in local 1, the base references are data and the locals bound
// only by lookups in base references, however the lookups are ordered in the plan.
func TestBaseRefs(t *testing.T) {
	a, b := stringOp(0), stringOp(1)
	for name, tc := range map[string]struct {
		blocks []*ir.Block
		want   []ir.Local
	}{
		"a chain of lookups": {[]*ir.Block{block(
			&ir.DotStmt{Source: localOp(1), Key: a, Target: 2},
			&ir.DotStmt{Source: localOp(2), Key: b, Target: 3},
		)}, []ir.Local{1, 2, 3}},
		"a chain written backwards": {[]*ir.Block{
			block(&ir.DotStmt{Source: localOp(2), Key: b, Target: 3}),
			block(&ir.DotStmt{Source: localOp(1), Key: a, Target: 2}),
		}, []ir.Local{1, 2, 3}},
		"a key from a local": {[]*ir.Block{block(
			&ir.DotStmt{Source: localOp(1), Key: localOp(0), Target: 2},
		)}, []ir.Local{1, 2}},
		"in a nested block": {[]*ir.Block{block(&ir.NotStmt{Block: block(
			&ir.DotStmt{Source: localOp(1), Key: a, Target: 2},
		)})}, []ir.Local{1, 2}},
		// x := data.a; x[2]
		"bound to a variable first": {[]*ir.Block{block(
			&ir.DotStmt{Source: localOp(1), Key: a, Target: 2},
			&ir.AssignVarStmt{Source: localOp(2), Target: 4},
			&ir.DotStmt{Source: localOp(4), Key: b, Target: 5},
		)}, []ir.Local{1, 2}},
		"bound by a lookup and otherwise": {[]*ir.Block{
			block(&ir.DotStmt{Source: localOp(1), Key: a, Target: 2}),
			block(&ir.AssignVarStmt{Source: b, Target: 2}),
			block(&ir.DotStmt{Source: localOp(2), Key: b, Target: 3}),
		}, []ir.Local{1}},
		"scanned": {[]*ir.Block{block(
			&ir.ScanStmt{Source: 1, Key: 2, Value: 3, Block: block(
				&ir.DotStmt{Source: localOp(3), Key: a, Target: 4},
			)},
		)}, []ir.Local{1}},
		"data replaced by with": {[]*ir.Block{
			block(&ir.DotStmt{Source: localOp(1), Key: a, Target: 2}),
			block(&ir.WithStmt{Local: 1, Path: []int{0}, Value: b, Block: block()}),
		}, nil},
		"input replaced by with": {[]*ir.Block{
			block(&ir.DotStmt{Source: localOp(1), Key: a, Target: 2}),
			block(&ir.WithStmt{Local: 0, Value: b, Block: block()}),
		}, []ir.Local{1, 2}},
		// A change in place leaves the local bound to what it was.
		"changed in place": {[]*ir.Block{block(
			&ir.DotStmt{Source: localOp(1), Key: a, Target: 2},
			&ir.ObjectInsertStmt{Key: a, Value: b, Object: 2},
		)}, []ir.Local{1, 2}},
	} {
		refs := baseRefs(1, tc.blocks)
		var got []ir.Local
		for _, l := range slices.Sorted(maps.Keys(refs)) {
			if refs[l] {
				got = append(got, l)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: base references %v, want %v", name, got, tc.want)
		}
	}
}

// TestBaseRefsInAPolicy: data.a[2] reads the member "2" of data.a, as OPA's storage names
// it, while the same lookup in a variable bound to data.a does not.
func TestBaseRefsInAPolicy(t *testing.T) {
	data := ast.MustParseTerm(`{"a": {"2": "two"}, "list": ["zero"]}`).Value
	for query, want := range map[string]*ast.Term{
		"data.p.ref":      ast.StringTerm("two"),
		"data.p.list":     ast.StringTerm("zero"),
		"data.p.variable": nil,
	} {
		program := loadData(t, `package p
ref := data.a[2]
list := data.list["0"]
variable := z if {
	v := data.a
	z := v[2]
}
`, query, data)
		got, err := program.Eval(context.Background(), nil)
		if err != nil || (got == nil) != (want == nil) || (want != nil && !got.Equal(want)) {
			t.Errorf("%s: got %v, %v; want %v", query, got, err, want)
		}
	}
}
