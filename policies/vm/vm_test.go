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
	return loadData(t, source, query, ast.NewObject())
}

// loadData plans query over the module source and loads the plan with data.
func loadData(t *testing.T, source, query string, data ast.Value) *Program {
	t.Helper()
	plan, err := Plan(context.Background(), compile(t, source), query)
	if err != nil {
		t.Fatal(err)
	}
	program, err := Load(plan, data)
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

// TestDeadlineStopsALoopOfPlainStatements: a long evaluation that calls no built-in (which
// might watch the context itself) stops at its deadline because the evaluator counts its
// own steps and checks the context.
func TestDeadlineStopsALoopOfPlainStatements(t *testing.T) {
	program := load(t, `package p
pairs := count([1 | some x in input.a; some y in input.a; x != y])
`, "data.p.pairs")
	elems := make([]*ast.Term, 4000)
	for i := range elems {
		elems[i] = ast.InternedTerm(i)
	}
	input := ast.NewObject([2]*ast.Term{ast.StringTerm("a"), ast.ArrayTerm(elems...)})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	got, err := program.Eval(ctx, input)
	if err == nil {
		t.Fatalf("the evaluation ran past its deadline to the end (pairs = %v, %v)", got, time.Since(start))
	}
	if !strings.Contains(err.Error(), "eval_cancel_error") {
		t.Errorf("error %v: want a cancellation", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the evaluation stopped %v after it started, with a 20ms deadline", took)
	}
}

// TestWalkYieldsEveryPathAndValue: walk is a relation, every one of its outputs is a result.
func TestWalkYieldsEveryPathAndValue(t *testing.T) {
	program := load(t, `package p
privileged contains path if {
	walk(input.pod.spec, [path, value])
	path[count(path) - 1] == "privileged"
	value == true
}
`, "data.p.privileged")
	input := ast.MustParseTerm(`{"pod": {"spec": {"containers": [
		{"name": "a", "securityContext": {"privileged": true}},
		{"name": "b", "securityContext": {"privileged": false}},
		{"name": "c", "securityContext": {"privileged": true}}]}}}`)
	got, err := program.Eval(context.Background(), input.Value)
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustParseTerm(`{["containers", 0, "securityContext", "privileged"], ["containers", 2, "securityContext", "privileged"]}`)
	if !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLoadRefusesWhatItCannotRun(t *testing.T) {
	plan := func(stmt ir.Stmt) *ir.Policy {
		return &ir.Policy{
			Static: &ir.Static{},
			Plans:  &ir.Plans{Plans: []*ir.Plan{{Name: "p", Blocks: []*ir.Block{{Stmts: []ir.Stmt{stmt}}}}}},
		}
	}
	for name, tc := range map[string]struct {
		stmt ir.Stmt
		want string
	}{
		"future statement": {&futureStmt{}, "statement *vm.futureStmt is not supported"},
		"unknown function": {&ir.CallStmt{Func: "g0.data.nowhere"}, "call of unknown function g0.data.nowhere"},
		"bad string index": {&ir.AssignVarStmt{Source: ir.Operand{Value: ir.StringIndex(7)}}, "string constant 7 out of range"},
	} {
		_, err := Load(plan(tc.stmt), ast.NewObject())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}

// futureStmt stands for a statement a later OPA's planner may emit.
type futureStmt struct{ ir.Location }

// TestLoadRefusesBuiltinsOutsideTheAllowlist: a plan that declares a built-in the
// conformance suite does not prove is refused, naming it, before anything runs.
func TestLoadRefusesBuiltinsOutsideTheAllowlist(t *testing.T) {
	for source, want := range map[string]string{
		`package p
x := http.send({"method": "GET", "url": input.url})`: "built-in http.send is not run by the compiled evaluator",
		`package p
x := opa.runtime()`: "built-in opa.runtime is not run by the compiled evaluator",
	} {
		plan, err := Plan(context.Background(), compile(t, source), "data.p.x")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(plan, ast.NewObject()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}
