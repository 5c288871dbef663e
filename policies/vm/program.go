package vm

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// Program is one loaded plan with its data document, ready to evaluate. It is immutable and
// safe for concurrent use.
type Program struct {
	plan     *ir.Plan
	blocks   [][]op
	planSize int
	funcs    map[string]*function
	// byPath finds the functions a CallDynamicStmt may call, by their path in data.
	byPath   map[string]*function
	builtins map[string]topdown.BuiltinFunc
	strings  []*ast.Term
	numbers  []*ast.Term
	files    []string
	data     *ast.Term
	memoSize int
	// initialMemo holds the rules computed at load; every evaluation starts from it.
	initialMemo []memoEntry
	pool        sync.Pool
	// stackHint is the initial capacity of an evaluation's stack of locals.
	stackHint int
	// strictBuiltinErrors makes a built-in's error end the evaluation instead of making the
	// call undefined.
	strictBuiltinErrors bool
	// observe, when set, is told the name of every built-in called (the conformance suite
	// records which built-ins its cases prove).
	observe func(name string)
	// anyBuiltin lifts the allowlist, for the conformance suite to measure what it proves.
	anyBuiltin bool
	// watch is the tree of watched input paths (Watch); nil when none is watched.
	watch *watchNode
}

// Option adjusts how a Program evaluates.
type Option func(*Program)

// StrictBuiltinErrors sets whether a built-in's error ends the evaluation (true, the default,
// as podpolicy always evaluates) or makes the call undefined, as OPA's topdown does unless
// asked for strict errors.
func StrictBuiltinErrors(strict bool) Option {
	return func(p *Program) { p.strictBuiltinErrors = strict }
}

// callFunctionStmt is a CallStmt of a planned function, resolved when the plan is loaded.
type callFunctionStmt struct {
	*ir.CallStmt
	fn *function
}

// callBuiltinStmt is a CallStmt of a built-in, resolved when the plan is loaded.
type callBuiltinStmt struct {
	*ir.CallStmt
	impl topdown.BuiltinFunc
	// relation is true for a built-in that yields many outputs (walk).
	relation bool
}

// function is one planned function; rules are the functions of input and data alone.
type function struct {
	fn *ir.Func
	// rule is the document the function produces, e.g. data.test.p.
	rule     ast.Ref
	blocks   [][]op
	size     int
	memoSlot int // -1 when the function takes arguments besides input and data
}

// Load prepares the first plan of policy for evaluation against data. It fails when the plan
// uses a statement or built-in this package cannot run.
func Load(policy *ir.Policy, data ast.Value, opts ...Option) (*Program, error) {
	if policy.Plans == nil || len(policy.Plans.Plans) != 1 {
		return nil, errors.New("load plan: want exactly one plan")
	}
	p := &Program{
		plan:     policy.Plans.Plans[0],
		funcs:    map[string]*function{},
		byPath:   map[string]*function{},
		builtins: map[string]topdown.BuiltinFunc{},
		data:     ast.NewTerm(data),
		// Enough for the library's deepest call chains without growing.
		stackHint:           512,
		strictBuiltinErrors: true,
	}
	for _, opt := range opts {
		opt(p)
	}
	if !p.anyBuiltin {
		if err := CheckBuiltins(policy); err != nil {
			return nil, fmt.Errorf("load plan: %w", err)
		}
	}
	if policy.Static != nil {
		for _, s := range policy.Static.Strings {
			// The decoder's term for a Kubernetes field name: object lookups with it then
			// find their key by pointer before comparing strings.
			p.strings = append(p.strings, astjson.Key(s.Value))
			p.numbers = append(p.numbers, ast.NewTerm(ast.Number(s.Value)))
		}
		for _, f := range policy.Static.Files {
			p.files = append(p.files, f.Value)
		}
		for _, b := range policy.Static.BuiltinFuncs {
			impl := topdown.GetBuiltin(b.Name)
			if impl == nil {
				return nil, fmt.Errorf("load plan: built-in %s has no implementation", b.Name)
			}
			if p.observe != nil {
				impl = observed(b.Name, impl, p.observe)
			}
			p.builtins[b.Name] = impl
		}
	}
	if policy.Funcs != nil {
		for _, fn := range policy.Funcs.Funcs {
			f := &function{fn: fn, rule: ruleRef(fn), memoSlot: -1, size: maxLocal(fn.Return, fn.Params...)}
			if len(fn.Params) == 2 {
				f.memoSlot = p.memoSize
				p.memoSize++
			}
			p.funcs[fn.Name] = f
			if fn.Path != nil {
				p.byPath[pathKey(fn.Path)] = f
			}
		}
		for _, f := range p.funcs {
			size, err := p.check(f.fn.Blocks)
			if err != nil {
				return nil, fmt.Errorf("load plan: function %s: %w", f.fn.Name, err)
			}
			f.size = max(f.size, size)
			p.foldConstants(f.fn.Blocks)
		}
	}
	size, err := p.check(p.plan.Blocks)
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", p.plan.Name, err)
	}
	p.planSize = max(size, int(ir.Data)+1)
	p.foldConstants(p.plan.Blocks)
	c := &compiler{Program: p, observing: p.watching()}
	for _, f := range p.funcs {
		c.conflict = conflictMessage(f.fn)
		c.baseRefs = baseRefs(f.fn.Params[1], f.fn.Blocks)
		f.blocks = c.compileBlocks(f.fn.Blocks)
	}
	c.conflict = "complete rules must not produce multiple outputs"
	c.baseRefs = baseRefs(ir.Data, p.plan.Blocks)
	p.blocks = c.compileBlocks(p.plan.Blocks)
	if c.err != nil {
		return nil, fmt.Errorf("load plan %s: %w", p.plan.Name, c.err)
	}
	p.precompute()
	return p, nil
}

// Deterministic reports whether the program's result is a function of its input and data
// alone: it calls no non-deterministic built-in (time.now_ns, rand.intn, http.send, ...).
func (p *Program) Deterministic() bool {
	for name := range p.builtins {
		if b := ast.BuiltinMap[name]; b == nil || b.Nondeterministic {
			return false
		}
	}
	return true
}

// CheckBuiltins refuses a plan that declares a built-in outside the compiled evaluator's
// allowlist (see provenBuiltins), naming it.
func CheckBuiltins(policy *ir.Policy) error {
	if policy.Static == nil {
		return nil
	}
	for _, b := range policy.Static.BuiltinFuncs {
		if reason, excluded := excludedBuiltins[b.Name]; excluded {
			return fmt.Errorf("built-in %s is not run by the compiled evaluator: %s", b.Name, reason)
		}
		if !provenBuiltins[b.Name] {
			return fmt.Errorf("built-in %s is not among those OPA's conformance suite proves on the compiled evaluator", b.Name)
		}
	}
	return nil
}

// observed wraps a built-in's implementation so that every call is reported.
func observed(name string, impl topdown.BuiltinFunc, observe func(string)) topdown.BuiltinFunc {
	return func(bctx topdown.BuiltinContext, args []*ast.Term, iter func(*ast.Term) error) error {
		observe(name)
		return impl(bctx, args, iter)
	}
}

// ruleRef is the reference of the document a planned function produces, as OPA names it in
// errors: its path without the plan's group prefix (g0.data.test.p is data.test.p).
func ruleRef(fn *ir.Func) ast.Ref {
	var path []string
	if fn.Path != nil {
		path = fn.Path[1:]
	} else {
		path = strings.Split(fn.Name, ".")[1:]
		if len(path) > 0 && path[0] == "data" {
			path = path[1:]
		}
	}
	ref := ast.Ref{ast.DefaultRootDocument}
	for _, seg := range path {
		ref = append(ref, ast.StringTerm(seg))
	}
	return ref
}

// conflictMessage is what OPA says when the function produces two values at once.
func conflictMessage(fn *ir.Func) string {
	if len(fn.Params) > 2 {
		return "function " + ruleRef(fn).String() + " produced conflicting values for the same inputs"
	}
	return "rule " + ruleRef(fn).String() + " produced conflicting values"
}

// pathKey joins a function's path in data into one map key.
func pathKey(path []string) string { return strings.Join(path, "\x00") }

// resolve replaces a call by one that knows its callee, so evaluation never looks names up.
func (p *Program) resolve(stmt ir.Stmt) ir.Stmt {
	call, ok := stmt.(*ir.CallStmt)
	if !ok {
		return stmt
	}
	if f := p.funcs[call.Func]; f != nil {
		return &callFunctionStmt{CallStmt: call, fn: f}
	}
	decl := ast.BuiltinMap[call.Func]
	return &callBuiltinStmt{CallStmt: call, impl: p.builtins[call.Func], relation: decl != nil && decl.Relation}
}

// maxLocal returns the number of locals needed to hold ls.
func maxLocal(first ir.Local, rest ...ir.Local) int {
	n := int(first)
	for _, l := range rest {
		n = max(n, int(l))
	}
	return n + 1
}

// check validates every statement of blocks and returns the number of locals they use.
func (p *Program) check(blocks []*ir.Block) (int, error) {
	size := 0
	var err error
	walkBlocks(blocks, func(b *ir.Block) {
		for i, stmt := range b.Stmts {
			if err == nil {
				var n int
				n, err = p.checkStmt(stmt)
				size = max(size, n)
			}
			b.Stmts[i] = p.resolve(stmt)
		}
	})
	return size, err
}

// walkBlocks calls visit on each of blocks and then on the blocks nested in their statements,
// at any depth. visit may replace a block's statements; the new ones are walked.
func walkBlocks(blocks []*ir.Block, visit func(*ir.Block)) {
	for _, b := range blocks {
		visit(b)
		for _, stmt := range b.Stmts {
			// A statement describe does not know holds no blocks it could walk; the check
			// refuses it.
			info, _ := describe(stmt)
			walkBlocks(info.nested, visit)
		}
	}
}

// walkStmts calls visit on every statement of blocks, at any depth, with what the statement
// does. The blocks must have passed the check, so that describe knows every statement.
func walkStmts(blocks []*ir.Block, visit func(ir.Stmt, stmtInfo)) {
	for _, b := range blocks {
		for _, stmt := range b.Stmts {
			info, _ := describe(stmt)
			visit(stmt, info)
			walkStmts(info.nested, visit)
		}
	}
}

// checkStmt validates one statement and returns the number of locals it needs; the
// statements of nested blocks are checked by the caller's walk.
func (p *Program) checkStmt(stmt ir.Stmt) (int, error) {
	info, ok := describe(stmt)
	if !ok {
		return 0, fmt.Errorf("statement %T is not supported", stmt)
	}
	switch s := stmt.(type) {
	case *callFunctionStmt, *callBuiltinStmt, *constStmt, *makeObjectStmt:
		// Load makes these from the plan's own statements: the plan was loaded before.
		return 0, errors.New("plan loaded twice")
	case *ir.CallStmt:
		if p.funcs[s.Func] == nil && p.builtins[s.Func] == nil {
			return 0, fmt.Errorf("call of unknown function %s", s.Func)
		}
	case *ir.MakeNumberRefStmt:
		if s.Index < 0 || s.Index >= len(p.numbers) {
			return 0, fmt.Errorf("number constant %d out of range", s.Index)
		}
	case *ir.WithStmt:
		for _, i := range s.Path {
			if i < 0 || i >= len(p.strings) {
				return 0, fmt.Errorf("with path constant %d out of range", i)
			}
		}
	}
	size := 0
	for _, w := range info.writes {
		size = max(size, int(w.local)+1)
	}
	for _, o := range info.reads {
		switch v := o.Value.(type) {
		case ir.Local:
			size = max(size, int(v)+1)
		case ir.StringIndex:
			if int(v) < 0 || int(v) >= len(p.strings) {
				return 0, fmt.Errorf("string constant %d out of range", v)
			}
		case ir.Bool:
		default:
			return 0, fmt.Errorf("operand of type %T", o.Value)
		}
	}
	return size, nil
}
