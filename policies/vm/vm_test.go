package vm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

func compile(t *testing.T, source string) *ast.Compiler {
	t.Helper()
	module, err := ast.ParseModule("p.rego", source)
	if err != nil {
		t.Fatal(err)
	}
	compiler := ast.NewCompiler()
	if compiler.Compile(map[string]*ast.Module{"p.rego": module}); compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	return compiler
}

func load(t *testing.T, source, query string) *Program {
	t.Helper()
	plan, err := Plan(context.Background(), compile(t, source), query)
	if err != nil {
		t.Fatal(err)
	}
	program, err := Load(plan, ast.NewObject())
	if err != nil {
		t.Fatal(err)
	}
	return program
}

func TestEvalReadsInputAndData(t *testing.T) {
	program := load(t, `package p
ports contains p if {
	some c in input.containers
	some p in c.ports
	p > 1000
}
`, "data.p.ports")
	input := ast.MustParseTerm(`{"containers": [{"ports": [80, 8080]}, {"ports": [9102]}]}`)
	got, err := program.Eval(context.Background(), input.Value)
	if err != nil {
		t.Fatal(err)
	}
	if want := ast.MustParseTerm(`{8080, 9102}`); !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestBuiltinErrorNamesThePlace(t *testing.T) {
	program := load(t, `package p
n := to_number(input.s)
`, "data.p.n")
	_, err := program.Eval(context.Background(), ast.MustParseTerm(`{"s": "twelve"}`).Value)
	if err == nil || !strings.Contains(err.Error(), "p.rego:2") || !strings.Contains(err.Error(), "to_number") {
		t.Fatalf("error %v: want the file, line and built-in", err)
	}
}

// TestRulesOfDataAloneArePrecomputedAndTheirErrorsStillSurface: a rule that cannot read the
// input is evaluated at load, and when that fails the error belongs to every evaluation that
// needs the rule, never to none.
func TestRulesOfDataAloneArePrecomputedAndTheirErrorsStillSurface(t *testing.T) {
	program := load(t, `package p
limit := to_number("twelve")
x := input.a + limit
`, "data.p.x")
	if _, err := program.Eval(context.Background(), ast.MustParseTerm(`{"a": 1}`).Value); err == nil || !strings.Contains(err.Error(), "to_number") {
		t.Fatalf("error %v: want the failing constant rule's error", err)
	}

	program = load(t, `package p
allowed := {c | some c in ["NET_BIND_SERVICE", "NET_RAW"]}
x := input.c in allowed
`, "data.p.x")
	independent := 0
	for _, entry := range program.initialMemo {
		if entry.set {
			independent++
		}
	}
	if independent != 1 {
		t.Errorf("%d rules computed at load, want 1 (allowed)", independent)
	}
	got, err := program.Eval(context.Background(), ast.MustParseTerm(`{"c": "NET_RAW"}`).Value)
	if err != nil || !got.Equal(ast.BooleanTerm(true)) {
		t.Errorf("x = %v, %v; want true", got, err)
	}
}

func TestConflictIsAnError(t *testing.T) {
	program := load(t, `package p
x := 1 if input.a
x := 2 if input.b
`, "data.p.x")
	_, err := program.Eval(context.Background(), ast.MustParseTerm(`{"a": true, "b": true}`).Value)
	if err == nil || !strings.Contains(err.Error(), "conflict") {
		t.Fatalf("error %v: want a conflict", err)
	}
}

func TestDeadlineStopsALongEvaluation(t *testing.T) {
	program := load(t, `package p
n := count([x | some x in numbers.range(1, 100000000); x % 7 == 3])
`, "data.p.n")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := program.Eval(ctx, nil)
	if err == nil {
		t.Fatal("a cancelled evaluation returned no error")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the evaluation stopped %v after its deadline", took)
	}
}

func TestLoadRefusesWhatItCannotRun(t *testing.T) {
	plan := func(stmt ir.Stmt) *ir.Policy {
		return &ir.Policy{
			Static: &ir.Static{},
			Plans:  &ir.Plans{Plans: []*ir.Plan{{Name: "p", Blocks: []*ir.Block{{Stmts: []ir.Stmt{stmt}}}}}},
		}
	}
	for name, stmt := range map[string]ir.Stmt{
		"dynamic call":     &ir.CallDynamicStmt{},
		"unknown function": &ir.CallStmt{Func: "g0.data.nowhere"},
		"bad string index": &ir.AssignVarStmt{Source: ir.Operand{Value: ir.StringIndex(7)}},
	} {
		if _, err := Load(plan(stmt), ast.NewObject()); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
