package vm

import (
	"context"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// precomputeBudget bounds the load-time evaluation of one input-independent rule; a rule
// that takes longer is left to each evaluation and its deadline.
const precomputeBudget = 100 * time.Millisecond

// precompute evaluates, once at load, every rule whose value cannot depend on the input: a
// rule of data alone (the config's settings, the disabled rules, constant lists) then costs
// nothing per request. Rules that fail, are undefined or exceed precomputeBudget here are left
// to each evaluation, so their errors and slowness still surface where they belong.
func (p *Program) precompute() {
	initial := make([]memoEntry, p.memoSize)
	independent := p.inputIndependent()
	caller := []*ast.Term{nil, p.data}
	for _, f := range p.funcs {
		if f.memoSlot < 0 || !independent[f] {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), precomputeBudget)
		e := p.newEvaluation(ctx)
		args := []operand{{local: ir.Input}, {local: ir.Data}}
		if value, r := e.callFunction(caller, f, args); r != aborted && value != nil {
			initial[f.memoSlot] = memoEntry{value: value, set: true}
		}
		p.release(e)
		cancel()
	}
	p.initialMemo = initial
}

// inputIndependent finds the functions whose result depends on data alone: they never read
// their input parameter except to hand it to other such functions, use no `with` and call
// no non-deterministic built-in.
func (p *Program) inputIndependent() map[*function]bool {
	independent := make(map[*function]bool, len(p.funcs))
	for _, f := range p.funcs {
		independent[f] = true
	}
	for changed := true; changed; {
		changed = false
		for _, f := range p.funcs {
			if independent[f] && !independentBlocks(f.fn.Params[0], f.fn.Blocks, independent) {
				independent[f] = false
				changed = true
			}
		}
	}
	return independent
}

// independentBlocks reports whether blocks, the body of a function whose input parameter is
// input, meet inputIndependent's conditions, given the functions still thought independent.
func independentBlocks(input ir.Local, blocks []*ir.Block, independent map[*function]bool) bool {
	ok := true
	walkStmts(blocks, func(stmt ir.Stmt, info stmtInfo) {
		switch s := stmt.(type) {
		case *callFunctionStmt:
			ok = ok && independent[s.fn]
			// The input handed on (always the first argument) to a function that ignores it
			// does not count.
			if len(info.reads) > 0 {
				info.reads = info.reads[1:]
			}
		case *callBuiltinStmt:
			if b := ast.BuiltinMap[s.Func]; b == nil || b.Nondeterministic {
				ok = false
			}
		case *ir.WithStmt:
			ok = false
		}
		if info.mentions(input) {
			ok = false
		}
	})
	return ok
}
