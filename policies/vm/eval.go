package vm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// Control results of executing a statement or block. A value >= 0 means "leave that many
// more enclosing blocks": 0 leaves the block that holds the statement, which is also what an
// undefined statement does.
const (
	proceed  = -1 // the statement held; go on with the next one
	returned = -2 // a ReturnLocalStmt ran
	aborted  = -3 // an error was recorded; unwind everything
)

// cancelCheckInterval is how many loop iterations and calls run between deadline checks.
const cancelCheckInterval = 256

// evaluation is the state of one Eval call.
type evaluation struct {
	prog *Program
	ctx  context.Context
	bctx topdown.BuiltinContext
	memo []memoEntry
	// stack holds the locals of every active call; a call takes a window at its end.
	stack []*ast.Term
	// ret is the value of the last ReturnLocalStmt, read by the call that ran it.
	ret *ast.Term
	// args and out carry built-in operands and results without allocating per call.
	args []*ast.Term
	out  *ast.Term
	keep func(*ast.Term) error
	// collect gathers every output of a relation built-in (walk), which the plan scans.
	collect   func(*ast.Term) error
	collected []*ast.Term
	results   []*ast.Term
	err       error
	steps     int
	// watched is set when a statement that may observe a watched input value ran (Watch).
	watched bool
	// terms are the terms the plan makes; they outlive the evaluation in its result.
	terms astjson.Terms
}

// emptySet stands for every set the plan makes until its first member is added: most sets a
// rule builds (its violations) stay empty, and an ast set costs three allocations. It is
// never changed; SetAddStmt gives a term its own set first.
var emptySet = ast.NewSet()

type memoEntry struct {
	value *ast.Term
	set   bool
}

// ctxCancel tells OPA's long-running built-ins that the evaluation's context is done.
type ctxCancel struct{ ctx context.Context }

func (ctxCancel) Cancel()           {}
func (c ctxCancel) Cancelled() bool { return c.ctx.Err() != nil }

var noMetrics = metrics.NoOp()

// Eval evaluates the plan of a query with one variable and at most one result, such as a
// reference to a rule, on input (nil leaves input undefined). It returns the value the query
// produced, nil when the query is undefined, or an error; an error never stands for "no
// result".
func (p *Program) Eval(ctx context.Context, input ast.Value) (*ast.Term, error) {
	value, _, err := p.EvalWatched(ctx, input)
	return value, err
}

// EvalWatched is Eval, and says whether the evaluation may have read a value the program
// watches (Watch): false means its result is the same for any input that differs from this
// one only in the watched values.
func (p *Program) EvalWatched(ctx context.Context, input ast.Value) (*ast.Term, bool, error) {
	e := p.newEvaluation(ctx)
	defer p.release(e)
	if err := e.evalPlan(input); err != nil {
		return nil, e.watched, err
	}
	switch len(e.results) {
	case 0:
		return nil, e.watched, nil
	case 1:
	default:
		return nil, e.watched, errors.New("query produced more than one result")
	}
	obj, ok := e.results[0].Value.(ast.Object)
	if !ok || obj.Len() != 1 {
		return nil, e.watched, fmt.Errorf("query result %v: want one variable", e.results[0])
	}
	var value *ast.Term
	obj.Foreach(func(_, v *ast.Term) { value = v })
	return value, e.watched, nil
}

// ResultSet evaluates the plan of any query on input (nil leaves input undefined) and
// returns its results: one object of the query's variables per result, in the order the plan
// found them, as OPA's rego package returns them. No result means the query is undefined.
func (p *Program) ResultSet(ctx context.Context, input ast.Value) ([]ast.Object, error) {
	e := p.newEvaluation(ctx)
	defer p.release(e)
	if err := e.evalPlan(input); err != nil {
		return nil, err
	}
	out := make([]ast.Object, len(e.results))
	for i, r := range e.results {
		out[i] = r.Value.(ast.Object)
	}
	return out, nil
}

// evalPlan runs the plan's blocks with input and data in place.
func (e *evaluation) evalPlan(input ast.Value) error {
	locals := e.stack[:e.prog.planSize]
	if input != nil {
		locals[0] = ast.NewTerm(input)
	}
	locals[1] = e.prog.data
	for _, b := range e.prog.blocks {
		if r := e.run(locals, b); r == aborted {
			return e.err
		} else if r > 0 || r == returned {
			break
		}
	}
	return nil
}

// newEvaluation takes an evaluation from the pool: its stack, memo and scratch space are
// reused, so a call allocates little beyond the values the policy builds.
func (p *Program) newEvaluation(ctx context.Context) *evaluation {
	e, _ := p.pool.Get().(*evaluation)
	if e == nil {
		e = &evaluation{
			prog:  p,
			memo:  make([]memoEntry, p.memoSize),
			stack: make([]*ast.Term, 0, p.planSize+p.stackHint),
			args:  make([]*ast.Term, 0, 8),
		}
		e.keep = func(t *ast.Term) error {
			e.out = t
			return nil
		}
		e.collect = func(t *ast.Term) error {
			e.collected = append(e.collected, t)
			return nil
		}
		e.bctx = topdown.BuiltinContext{Metrics: noMetrics, Seed: rand.Reader, Cache: builtins.Cache{}}
	}
	e.ctx = ctx
	e.bctx.Context = ctx
	e.bctx.Cancel = ctxCancel{ctx}
	e.bctx.Time = ast.NewTerm(ast.Number(strconv.FormatInt(time.Now().UnixNano(), 10)))
	if p.initialMemo != nil {
		copy(e.memo, p.initialMemo)
	}
	e.stack = e.stack[:p.planSize]
	return e
}

// release clears what an evaluation references and returns it to the pool.
func (p *Program) release(e *evaluation) {
	clear(e.stack[:cap(e.stack)])
	e.stack = e.stack[:0]
	clear(e.memo)
	clear(e.args[:cap(e.args)])
	clear(e.bctx.Cache)
	e.ctx, e.bctx.Context, e.bctx.Cancel, e.bctx.Time = nil, nil, nil, nil
	clear(e.results)
	clear(e.collected)
	e.ret, e.out, e.results, e.collected, e.err, e.steps, e.terms = nil, nil, e.results[:0], e.collected[:0], nil, 0, astjson.Terms{}
	e.watched = false
	p.pool.Put(e)
}

// fail records err and unwinds the evaluation.
func (e *evaluation) fail(err error) int {
	if e.err == nil {
		e.err = err
	}
	return aborted
}

// tick counts work and unwinds once the context is done.
func (e *evaluation) tick() bool {
	e.steps++
	if e.steps%cancelCheckInterval != 0 {
		return true
	}
	if err := e.ctx.Err(); err != nil {
		e.fail((&topdown.Error{Code: cancelErr, Message: "caller cancelled query execution"}).Wrap(err))
		return false
	}
	return true
}

// addResult keeps one result of the query: the plan adds an object of query variables.
func (e *evaluation) addResult(t *ast.Term) int {
	if _, ok := valueOf(t).(ast.Object); !ok {
		return e.fail(&topdown.Error{Code: internalErr, Message: fmt.Sprintf("query result %v: want an object of variables", t)})
	}
	e.results = append(e.results, t)
	return proceed
}

// callFunction runs a planned function with the operands of a call; nil means undefined.
func (e *evaluation) callFunction(caller []*ast.Term, f *function, args []operand) (*ast.Term, int) {
	if f.memoSlot >= 0 && e.memo[f.memoSlot].set {
		return e.memo[f.memoSlot].value, proceed
	}
	if !e.tick() {
		return nil, aborted
	}
	base := len(e.stack)
	e.stack = append(e.stack, make([]*ast.Term, f.size)...)
	locals := e.stack[base : base+f.size]
	for i, param := range f.fn.Params {
		locals[param] = args[i].get(caller)
	}
	var ret *ast.Term
	for _, b := range f.blocks {
		r := e.run(locals, b)
		if r == aborted {
			return nil, aborted
		}
		if r == returned {
			ret = e.ret
			break
		}
		if r > 0 {
			ret = locals[f.fn.Return]
			break
		}
	}
	// The frame is left as it is: the next call's append zeroes what it takes, and release
	// clears the whole stack, so clearing here too would only clear it twice.
	e.stack = e.stack[:base]
	if f.memoSlot >= 0 {
		e.memo[f.memoSlot] = memoEntry{value: ret, set: true}
	}
	return ret, proceed
}

// callBuiltin runs one of OPA's built-in functions; nil means undefined. A relation (walk)
// yields every output, which the plan receives as one array and scans.
func (e *evaluation) callBuiltin(locals []*ast.Term, s *callBuiltinStmt, args []operand) (*ast.Term, int) {
	e.args = e.args[:0]
	for _, a := range args {
		e.args = append(e.args, a.get(locals))
	}
	if s.relation {
		e.collected = e.collected[:0]
		if err := s.impl(e.bctx, e.args, e.collect); err != nil {
			return e.builtinFailed(s, err)
		}
		return ast.NewTerm(ast.NewArray(slices.Clone(e.collected)...)), proceed
	}
	e.out = nil
	if err := s.impl(e.bctx, e.args, e.keep); err != nil {
		return e.builtinFailed(s, err)
	}
	return e.out, proceed
}

// builtinFailed handles the error of a built-in. With strict built-in errors (the default)
// it ends the evaluation; otherwise it makes the call undefined, as OPA's topdown does,
// except for errors that halt evaluation (a cancelled context, an exceeded limit).
func (e *evaluation) builtinFailed(s *callBuiltinStmt, err error) (*ast.Term, int) {
	if halt, ok := errors.AsType[topdown.Halt](err); ok {
		return nil, e.fail(e.located(&s.Location, halt.Err))
	}
	if !e.prog.strictBuiltinErrors {
		return nil, proceed
	}
	return nil, e.fail(e.located(&s.Location, err))
}
