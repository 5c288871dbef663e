package vm

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestInputIndependent: a function is independent of the input when neither it nor anything
// it calls reads the input, uses `with` or calls a non-deterministic built-in; handing the
// input on to an independent function does not count.
func TestInputIndependent(t *testing.T) {
	program := load(t, `package p
a := 1
b := input.x
c := a + 1
d := b + 1
e := time.now_ns()
f := count(input)
g if a == 1 with data.x as 1
h := c + 1
double(n) := n * 2
k := double(2)
m := double(input.n)
`, "data.p")
	want := map[string]bool{
		"data.p.a":      true,
		"data.p.b":      false, // reads the input
		"data.p.c":      true,  // calls an independent rule
		"data.p.d":      false, // calls a dependent rule
		"data.p.e":      false, // calls a non-deterministic built-in
		"data.p.f":      false, // hands the input to a built-in
		"data.p.g":      false, // uses with
		"data.p.h":      true,  // through two independent rules
		"data.p.double": true,
		"data.p.k":      true,  // hands the input on to an independent function
		"data.p.m":      false, // reads the input for an argument
	}
	independent := program.inputIndependent()
	seen := map[string]bool{}
	for _, f := range program.funcs {
		name := f.rule.String()
		w, ok := want[name]
		if !ok {
			continue
		}
		seen[name] = true
		if independent[f] != w {
			t.Errorf("%s: independent %v, want %v", name, independent[f], w)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s: not planned as a function", name)
		}
	}
}

// TestIndependentRulesAreComputedAtLoad: the rules of data alone are in the memo every
// evaluation starts from, the others are not.
func TestIndependentRulesAreComputedAtLoad(t *testing.T) {
	program := load(t, `package p
a := 1
b := input.x
c := a + 1
`, "data.p")
	// The values computed at load; nil for a rule left to each evaluation.
	want := map[string]*ast.Term{"data.p.a": ast.InternedTerm(1), "data.p.b": nil, "data.p.c": ast.InternedTerm(2)}
	for _, f := range program.funcs {
		name := f.rule.String()
		entry := program.initialMemo[f.memoSlot]
		if w := want[name]; entry.set != (w != nil) || (w != nil && !entry.value.Equal(w)) {
			t.Errorf("%s: computed at load %v as %v, want %v", name, entry.set, entry.value, w)
		}
	}
	got, err := program.Eval(context.Background(), ast.MustParseTerm(`{"x": 3}`).Value)
	if err != nil || !got.Equal(ast.MustParseTerm(`{"a": 1, "b": 3, "c": 2}`)) {
		t.Errorf("got %v, %v", got, err)
	}
}
