package vm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// testCompiler is a compiler for hand-built statements whose string constants are consts.
func testCompiler(consts ...string) *compiler {
	p := &Program{}
	for _, s := range consts {
		p.strings = append(p.strings, ast.StringTerm(s))
	}
	return &compiler{Program: p}
}

// run compiles stmts as one block and runs it on locals, returning the control result and
// the evaluation's error.
func run(t *testing.T, c *compiler, locals []*ast.Term, stmts ...ir.Stmt) (int, error) {
	t.Helper()
	ops := c.compileBlock(&ir.Block{Stmts: stmts})
	if c.err != nil {
		t.Fatal(c.err)
	}
	e := c.newEvaluation(context.Background())
	defer c.release(e)
	r := e.run(locals, ops)
	return r, e.err
}

func block(stmts ...ir.Stmt) *ir.Block { return &ir.Block{Stmts: stmts} }

// TestLoadCompilesEveryStatement: every statement describe knows passes the check and
// compiles, so the compiler's switch misses none of the table's.
func TestLoadCompilesEveryStatement(t *testing.T) {
	var stmts []ir.Stmt
	for _, s := range irStatements() {
		stmts = append(stmts, s.stmt)
	}
	policy := &ir.Policy{
		Static: &ir.Static{
			Strings:      []*ir.StringConst{{Value: "1"}},
			BuiltinFuncs: []*ir.BuiltinFunc{{Name: "plus"}},
		},
		Funcs: &ir.Funcs{Funcs: []*ir.Func{{
			Name:   "g0.data.f",
			Params: []ir.Local{0, 1, 2},
			Return: 3,
			Blocks: []*ir.Block{block(&ir.AssignVarStmt{Source: localOp(2), Target: 3})},
		}}},
		Plans: &ir.Plans{Plans: []*ir.Plan{{Name: "p", Blocks: []*ir.Block{block(stmts...)}}}},
	}
	if _, err := Load(policy, ast.NewObject()); err != nil {
		t.Fatal(err)
	}
}

func TestCompileRefusesWhatItDoesNotKnow(t *testing.T) {
	c := testCompiler()
	c.compileStmt(&futureStmt{})
	if c.err == nil || !strings.Contains(c.err.Error(), "*vm.futureStmt passed the plan's check but cannot be compiled") {
		t.Errorf("error %v, want the statement refused", c.err)
	}
}

// TestCompiledControlResults: a statement that holds proceeds, one that does not leaves its
// block (0), and BreakStmt leaves Index+1 blocks, counted from the innermost.
func TestCompiledControlResults(t *testing.T) {
	a, b := stringOp(0), stringOp(1)
	setL0 := &ir.AssignVarStmt{Source: a, Target: 0}
	for name, tc := range map[string]struct {
		stmt ir.Stmt
		want int
		// l0Set is whether the statement's blocks reached setL0.
		l0Set bool
	}{
		"equal":                             {&ir.EqualStmt{A: a, B: a}, proceed, false},
		"equal, different values":           {&ir.EqualStmt{A: a, B: b}, 0, false},
		"not equal":                         {&ir.NotEqualStmt{A: a, B: b}, proceed, false},
		"break":                             {&ir.BreakStmt{Index: 2}, 2, false},
		"defined":                           {&ir.IsDefinedStmt{Source: 1}, 0, false},
		"undefined":                         {&ir.IsUndefinedStmt{Source: 1}, proceed, false},
		"type test of a constant":           {&ir.IsObjectStmt{Source: a}, 0, false},
		"not of an undefined body holds":    {&ir.NotStmt{Block: block(&ir.EqualStmt{A: a, B: b})}, proceed, false},
		"not of a defined body fails":       {&ir.NotStmt{Block: block(setL0)}, 0, true},
		"break out of a not's body":         {&ir.NotStmt{Block: block(&ir.BreakStmt{Index: 2})}, 1, false},
		"block after an undefined block":    {&ir.BlockStmt{Blocks: []*ir.Block{block(&ir.EqualStmt{A: a, B: b}), block(setL0)}}, proceed, true},
		"break 0 leaves only its own block": {&ir.BlockStmt{Blocks: []*ir.Block{block(&ir.BreakStmt{}, setL0)}}, proceed, false},
		"break 1 leaves the outer block":    {&ir.BlockStmt{Blocks: []*ir.Block{block(&ir.BreakStmt{Index: 1}), block(setL0)}}, 0, false},
	} {
		locals := make([]*ast.Term, 2)
		got, err := run(t, testCompiler("a", "b"), locals, tc.stmt)
		if err != nil || got != tc.want || (locals[0] != nil) != tc.l0Set {
			t.Errorf("%s: got %d, %v, local 0 set %v; want %d, local 0 set %v", name, got, err, locals[0] != nil, tc.want, tc.l0Set)
		}
	}
}

// TestCompiledScan: a scan runs its body for every element, keys of objects in sorted order;
// an undefined body goes on with the next element, breaking out of the body stops the scan.
func TestCompiledScan(t *testing.T) {
	// Locals: 0 the source, 1 the collected output, 2 key, 3 value.
	appendKey := &ir.ArrayAppendStmt{Value: localOp(2), Array: 1}
	appendValue := &ir.ArrayAppendStmt{Value: localOp(3), Array: 1}
	for name, tc := range map[string]struct {
		source string
		body   []ir.Stmt
		want   int
		output string
	}{
		"array":                        {`["x", "y"]`, []ir.Stmt{appendValue, appendKey}, proceed, `["x", 0, "y", 1]`},
		"object in key order":          {`{"b": 1, "a": 2}`, []ir.Stmt{appendKey}, proceed, `["a", "b"]`},
		"set":                          {`{"y", "x"}`, []ir.Stmt{appendKey, appendValue}, proceed, `["x", "x", "y", "y"]`},
		"scalar":                       {`"xy"`, []ir.Stmt{appendValue}, proceed, `[]`},
		"undefined body goes on":       {`["x", "y", "x"]`, []ir.Stmt{&ir.EqualStmt{A: localOp(3), B: stringOp(0)}, appendValue}, proceed, `["x", "x"]`},
		"break 1 stops the scan":       {`["x", "y"]`, []ir.Stmt{appendValue, &ir.BreakStmt{Index: 1}}, proceed, `["x"]`},
		"break 2 leaves its own block": {`["x", "y"]`, []ir.Stmt{appendValue, &ir.BreakStmt{Index: 2}}, 0, `["x"]`},
	} {
		locals := []*ast.Term{ast.MustParseTerm(tc.source), nil, nil, nil}
		got, err := run(t, testCompiler("x"), locals,
			&ir.MakeArrayStmt{Target: 1},
			&ir.ScanStmt{Source: 0, Key: 2, Value: 3, Block: block(tc.body...)})
		if err != nil || got != tc.want || !locals[1].Equal(ast.MustParseTerm(tc.output)) {
			t.Errorf("%s: got %d, %v, output %v; want %d, %s", name, got, err, locals[1], tc.want, tc.output)
		}
	}
}

// TestAssignOnceConflicts: assigning a local, or inserting a key, a second time is fine with
// the same value and a conflict error with another.
func TestAssignOnceConflicts(t *testing.T) {
	a, b := stringOp(0), stringOp(1)
	for name, tc := range map[string]struct {
		stmts []ir.Stmt
		want  string
	}{
		"assign the same value twice": {[]ir.Stmt{
			&ir.AssignVarOnceStmt{Source: a, Target: 0},
			&ir.AssignVarOnceStmt{Source: a, Target: 0},
		}, ""},
		"assign two values": {[]ir.Stmt{
			&ir.AssignVarOnceStmt{Source: a, Target: 0},
			&ir.AssignVarOnceStmt{Source: b, Target: 0},
		}, "rule data.p.x produced conflicting values"},
		"insert the same value twice": {[]ir.Stmt{
			&ir.MakeObjectStmt{Target: 0},
			&ir.ObjectInsertOnceStmt{Key: a, Value: a, Object: 0},
			&ir.ObjectInsertOnceStmt{Key: a, Value: a, Object: 0},
		}, ""},
		"insert two values": {[]ir.Stmt{
			&ir.MakeObjectStmt{Target: 0},
			&ir.ObjectInsertOnceStmt{Key: a, Value: a, Object: 0},
			&ir.ObjectInsertOnceStmt{Key: a, Value: b, Object: 0},
		}, "object keys must be unique"},
		"insert, not once, replaces": {[]ir.Stmt{
			&ir.MakeObjectStmt{Target: 0},
			&ir.ObjectInsertStmt{Key: a, Value: a, Object: 0},
			&ir.ObjectInsertStmt{Key: a, Value: b, Object: 0},
		}, ""},
	} {
		c := testCompiler("a", "b")
		c.conflict = "rule data.p.x produced conflicting values"
		got, err := run(t, c, make([]*ast.Term, 1), tc.stmts...)
		if tc.want == "" {
			if got != proceed || err != nil {
				t.Errorf("%s: got %d, %v; want to proceed", name, got, err)
			}
			continue
		}
		te, ok := errors.AsType[*topdown.Error](err)
		if got != aborted || !ok || te.Code != topdown.ConflictErr || te.Message != tc.want {
			t.Errorf("%s: got %d, %v; want a conflict error %q", name, got, err, tc.want)
		}
	}
}

// TestSetAddGivesTheSetItsOwnMembers: MakeSetStmt shares one empty set, which SetAddStmt
// replaces, in the term every alias holds, before adding; the shared one stays empty.
func TestSetAddGivesTheSetItsOwnMembers(t *testing.T) {
	locals := make([]*ast.Term, 3)
	_, err := run(t, testCompiler("a"), locals,
		&ir.MakeSetStmt{Target: 0},
		&ir.MakeSetStmt{Target: 1},
		&ir.AssignVarStmt{Source: localOp(0), Target: 2},
		&ir.SetAddStmt{Value: stringOp(0), Set: 0})
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustParseTerm(`{"a"}`)
	if !locals[0].Equal(want) || !locals[2].Equal(want) || locals[1].Value.(ast.Set).Len() != 0 || emptySet.Len() != 0 {
		t.Errorf("set %v, alias %v, other set %v, shared empty set %v", locals[0], locals[2], locals[1], emptySet)
	}
}

// TestDotInABaseReference: a lookup in a local the compiler knows to be a base reference
// reads keys as OPA's storage does (2 finds "2", "0" finds the first element); in any
// other local it does not. Both forms of the lookup, constant key or not, are covered.
func TestDotInABaseReference(t *testing.T) {
	for name, tc := range map[string]struct {
		source string
		key    ir.Operand
		want   string
	}{
		"number key in an object": {`{"2": "two"}`, localOp(1), `"two"`},
		"string key in an array":  {`["zero"]`, stringOp(0), `"zero"`},
	} {
		for _, base := range []bool{true, false} {
			c := testCompiler("0")
			c.baseRefs = map[ir.Local]bool{0: base}
			locals := []*ast.Term{ast.MustParseTerm(tc.source), nil, nil}
			got, err := run(t, c, locals,
				&ir.MakeNumberIntStmt{Value: 2, Target: 1},
				&ir.DotStmt{Source: localOp(0), Key: tc.key, Target: 2})
			switch {
			case err != nil:
				t.Errorf("%s: %v", name, err)
			case base && (got != proceed || !locals[2].Equal(ast.MustParseTerm(tc.want))):
				t.Errorf("%s, base reference: got %d, %v; want %s", name, got, locals[2], tc.want)
			case !base && (got != 0 || locals[2] != nil):
				t.Errorf("%s, not a base reference: got %d, %v; want undefined", name, got, locals[2])
			}
		}
	}
}

// TestWithPlacesAValueForItsBlockOnly: the body sees the value at the path, next to the
// rest of the local's document, and the local is itself again afterwards.
func TestWithPlacesAValueForItsBlockOnly(t *testing.T) {
	doc := ast.MustParseTerm(`{"a": "x"}`)
	locals := []*ast.Term{doc, nil, nil}
	got, err := run(t, testCompiler("a", "b", "y"), locals, &ir.WithStmt{
		Local: 0,
		Path:  []int{1},
		Value: stringOp(2),
		Block: block(
			&ir.DotStmt{Source: localOp(0), Key: stringOp(1), Target: 1},
			&ir.DotStmt{Source: localOp(0), Key: stringOp(0), Target: 2}),
	})
	if err != nil || got != proceed {
		t.Fatalf("got %d, %v; want to proceed", got, err)
	}
	if !locals[1].Equal(ast.StringTerm("y")) || !locals[2].Equal(ast.StringTerm("x")) {
		t.Errorf("the body saw b = %v, a = %v; want y and x", locals[1], locals[2])
	}
	if locals[0] != doc || !doc.Equal(ast.MustParseTerm(`{"a": "x"}`)) {
		t.Errorf("afterwards the local is %v, its document %v; want the same term, unchanged", locals[0], doc)
	}
}
