package vm

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// op is one statement compiled to a closure over its operands: it runs on the locals of the
// current call and returns a control result (proceed, returned, aborted, or how many more
// blocks to leave). Compiling once at load spares every evaluation the statement's type
// switch and the operands' decoding, which were a third of its time.
type op func(e *evaluation, locals []*ast.Term) int

// operand is a statement operand resolved at load: a constant term, or else a local.
type operand struct {
	constant *ast.Term
	local    ir.Local
}

func (o operand) get(locals []*ast.Term) *ast.Term {
	if o.constant != nil {
		return o.constant
	}
	return locals[o.local]
}

// compiler turns checked plan statements into ops. The plan's check refuses what cannot run,
// so err stays nil; should the two ever disagree, Load fails rather than the evaluation.
type compiler struct {
	*Program
	// conflict is the error message of a conflict in the function being compiled.
	conflict string
	// baseRefs are its locals that refer into the base data document.
	baseRefs map[ir.Local]bool
	// observing are the statements that may observe a watched input value (Watch).
	observing *observations
	err       error
}

// unsupported records that something passed the check but cannot be compiled.
func (c *compiler) unsupported(what any) {
	if c.err == nil {
		c.err = fmt.Errorf("%T passed the plan's check but cannot be compiled", what)
	}
}

// operand resolves an operand the plan's check has accepted.
func (c *compiler) operand(o ir.Operand) operand {
	switch v := o.Value.(type) {
	case ir.Local:
		return operand{local: v}
	case ir.StringIndex:
		return operand{constant: c.strings[v]}
	case ir.Bool:
		return operand{constant: ast.InternedTerm(bool(v))}
	}
	c.unsupported(o.Value)
	return operand{constant: ast.InternedNullTerm}
}

func (c *compiler) operands(os []ir.Operand) []operand {
	out := make([]operand, len(os))
	for i, o := range os {
		out[i] = c.operand(o)
	}
	return out
}

// compileBlocks compiles blocks whose statements the plan's check has accepted.
func (c *compiler) compileBlocks(blocks []*ir.Block) [][]op {
	out := make([][]op, len(blocks))
	for i, b := range blocks {
		out[i] = c.compileBlock(b)
	}
	return out
}

func (c *compiler) compileBlock(b *ir.Block) []op {
	ops := make([]op, len(b.Stmts))
	for i, stmt := range b.Stmts {
		ops[i] = c.compileStmt(stmt)
		ops[i] = c.noteObserving(stmt, ops[i])
	}
	return ops
}

// noteObserving wraps the op of a statement that may observe a watched input value so that it
// notes it (Watch).
func (c *compiler) noteObserving(stmt ir.Stmt, compiled op) op {
	switch {
	case c.observing == nil:
		return compiled
	case c.observing.always[stmt]:
		return noting(compiled)
	case c.observing.byKey[stmt] != nil:
		return notingKeys(compiled, c.operand(stmt.(*ir.DotStmt).Key), c.observing.byKey[stmt])
	}
	return compiled
}

func (c *compiler) compileStmt(stmt ir.Stmt) op {
	switch s := stmt.(type) {
	case *ir.AssignVarStmt:
		return assign(c.operand(s.Source), s.Target)
	case *callFunctionStmt:
		return c.compileCall(s)
	case *callBuiltinStmt:
		return compileBuiltin(s, c.operands(s.Args))
	case *ir.CallDynamicStmt:
		return c.compileCallDynamic(s)
	case *ir.DotStmt:
		return c.compileDot(s)
	case *ir.NotEqualStmt:
		a, b := c.operand(s.A), c.operand(s.B)
		return func(_ *evaluation, l []*ast.Term) int { return held(!equal(a.get(l), b.get(l))) }
	case *ir.EqualStmt:
		a, b := c.operand(s.A), c.operand(s.B)
		return func(_ *evaluation, l []*ast.Term) int { return held(equal(a.get(l), b.get(l))) }
	case *ir.BlockStmt:
		blocks := c.compileBlocks(s.Blocks)
		return func(e *evaluation, l []*ast.Term) int {
			for _, b := range blocks {
				if r := e.nested(l, b); r != proceed {
					return r
				}
			}
			return proceed
		}
	case *ir.BreakStmt:
		index := int(s.Index)
		return func(*evaluation, []*ast.Term) int { return index }
	case *ir.ScanStmt:
		return c.compileScan(s)
	case *ir.NotStmt:
		body := c.compileBlock(s.Block)
		return func(e *evaluation, l []*ast.Term) int { return not(e.run(l, body)) }
	case *ir.WithStmt:
		return c.compileWith(s)
	case *ir.IsDefinedStmt:
		source := s.Source
		return func(_ *evaluation, l []*ast.Term) int { return held(l[source] != nil) }
	case *ir.IsUndefinedStmt:
		source := s.Source
		return func(_ *evaluation, l []*ast.Term) int { return held(l[source] == nil) }
	case *ir.IsObjectStmt:
		return isType(s.Source, func(v ast.Value) bool { _, ok := v.(ast.Object); return ok })
	case *ir.IsArrayStmt:
		return isType(s.Source, func(v ast.Value) bool { _, ok := v.(*ast.Array); return ok })
	case *ir.IsSetStmt:
		return isType(s.Source, func(v ast.Value) bool { _, ok := v.(ast.Set); return ok })
	case *ir.ReturnLocalStmt:
		source := s.Source
		return func(e *evaluation, l []*ast.Term) int {
			e.ret = l[source]
			return returned
		}
	case *ir.ResultSetAddStmt:
		value := s.Value
		return func(e *evaluation, l []*ast.Term) int { return e.addResult(l[value]) }
	case *ir.NopStmt:
		return func(*evaluation, []*ast.Term) int { return proceed }
	}
	return c.compileData(stmt)
}

// compileData compiles the statements that make or change values.
func (c *compiler) compileData(stmt ir.Stmt) op {
	switch s := stmt.(type) {
	case *ir.ObjectInsertStmt:
		return compileObjectInsert(s.Object, c.operand(s.Key), c.operand(s.Value), false, &s.Location)
	case *ir.ObjectInsertOnceStmt:
		return compileObjectInsert(s.Object, c.operand(s.Key), c.operand(s.Value), true, &s.Location)
	case *ir.AssignVarOnceStmt:
		source, target, loc, conflict := c.operand(s.Source), s.Target, &s.Location, c.conflict
		return func(e *evaluation, l []*ast.Term) int {
			v := source.get(l)
			if old := l[target]; old != nil && !equal(old, v) {
				return e.fail(e.errorAt(loc, conflictErr, conflict))
			}
			l[target] = v
			return proceed
		}
	case *ir.SetAddStmt:
		return compileSetAdd(s.Set, c.operand(s.Value), &s.Location)
	case *ir.ArrayAppendStmt:
		array, value, loc := s.Array, c.operand(s.Value), &s.Location
		return func(e *evaluation, l []*ast.Term) int {
			t := l[array]
			arr, ok := valueOf(t).(*ast.Array)
			if !ok {
				return e.fail(e.errorAt(loc, internalErr, fmt.Sprintf("array append to %v", t)))
			}
			v := value.get(l)
			if v == nil {
				return e.fail(e.errorAt(loc, internalErr, "array append of an undefined value"))
			}
			t.Value = arr.Append(v)
			return proceed
		}
	case *ir.MakeObjectStmt:
		target := s.Target
		return func(e *evaluation, l []*ast.Term) int {
			l[target] = e.terms.New(ast.NewObject())
			return proceed
		}
	case *makeObjectStmt:
		target, capacity := s.Target, s.Capacity
		return func(e *evaluation, l []*ast.Term) int {
			l[target] = e.terms.New(ast.NewObjectWithCapacity(capacity))
			return proceed
		}
	case *ir.MakeArrayStmt:
		target, capacity := s.Target, int(s.Capacity)
		return func(e *evaluation, l []*ast.Term) int {
			l[target] = e.terms.New(ast.NewArrayWithCapacity(capacity))
			return proceed
		}
	case *ir.MakeSetStmt:
		target := s.Target
		return func(e *evaluation, l []*ast.Term) int {
			l[target] = e.terms.New(emptySet)
			return proceed
		}
	case *ir.LenStmt:
		source, target, loc := c.operand(s.Source), s.Target, &s.Location
		return func(e *evaluation, l []*ast.Term) int {
			n, ok := length(source.get(l))
			if !ok {
				return e.fail(e.errorAt(loc, internalErr, fmt.Sprintf("length of %v", source.get(l))))
			}
			l[target] = ast.InternedTerm(n)
			return proceed
		}
	case *ir.ObjectMergeStmt:
		a, b, target := s.A, s.B, s.Target
		return func(_ *evaluation, l []*ast.Term) int {
			l[target] = merge(l[a], l[b])
			return proceed
		}
	case *ir.MakeNumberRefStmt:
		return assign(operand{constant: c.numbers[s.Index]}, s.Target)
	case *ir.MakeNumberIntStmt:
		return assign(operand{constant: ast.InternedTerm(int(s.Value))}, s.Target)
	case *ir.AssignIntStmt:
		return assign(operand{constant: ast.InternedTerm(int(s.Value))}, s.Target)
	case *ir.MakeNullStmt:
		return assign(operand{constant: ast.InternedNullTerm}, s.Target)
	case *constStmt:
		return assign(operand{constant: s.Value}, s.Target)
	case *ir.ResetLocalStmt:
		target := s.Target
		return func(_ *evaluation, l []*ast.Term) int {
			l[target] = nil
			return proceed
		}
	}
	c.unsupported(stmt)
	return nil
}

func assign(source operand, target ir.Local) op {
	if source.constant != nil {
		value := source.constant
		return func(_ *evaluation, l []*ast.Term) int {
			l[target] = value
			return proceed
		}
	}
	from := source.local
	return func(_ *evaluation, l []*ast.Term) int {
		l[target] = l[from]
		return proceed
	}
}

// compileDot has a form of its own for the common case, a local's member named by a constant.
// A lookup in a reference into the base data document reads keys as OPA's storage does.
func (c *compiler) compileDot(s *ir.DotStmt) op {
	source, key, target := c.operand(s.Source), c.operand(s.Key), s.Target
	lookup := dot
	if source.constant == nil && c.baseRefs[source.local] {
		lookup = baseDot
	}
	if source.constant == nil && key.constant != nil {
		from, name := source.local, key.constant
		return func(_ *evaluation, l []*ast.Term) int {
			v := lookup(l[from], name)
			l[target] = v
			return held(v != nil)
		}
	}
	return func(_ *evaluation, l []*ast.Term) int {
		v := lookup(source.get(l), key.get(l))
		l[target] = v
		return held(v != nil)
	}
}

// isType tests the type of a local; any other operand is undefined, as in OPA's Wasm compiler.
func isType(source ir.Operand, is func(ast.Value) bool) op {
	local, ok := source.Value.(ir.Local)
	if !ok {
		return func(*evaluation, []*ast.Term) int { return 0 }
	}
	return func(_ *evaluation, l []*ast.Term) int { return held(is(valueOf(l[local]))) }
}

func compileObjectInsert(object ir.Local, key, value operand, once bool, loc *ir.Location) op {
	return func(e *evaluation, l []*ast.Term) int {
		obj, ok := valueOf(l[object]).(ast.Object)
		if !ok {
			return e.fail(e.errorAt(loc, internalErr, fmt.Sprintf("object insert into %v", l[object])))
		}
		k, v := key.get(l), value.get(l)
		if k == nil || v == nil {
			return e.fail(e.errorAt(loc, internalErr, "object insert of an undefined key or value"))
		}
		if once {
			if old := obj.Get(k); old != nil && !equal(old, v) {
				return e.fail(e.errorAt(loc, conflictErr, "object keys must be unique"))
			}
		}
		obj.Insert(k, v)
		return proceed
	}
}

func compileSetAdd(set ir.Local, value operand, loc *ir.Location) op {
	return func(e *evaluation, l []*ast.Term) int {
		t := l[set]
		s, ok := valueOf(t).(ast.Set)
		if !ok {
			return e.fail(e.errorAt(loc, internalErr, fmt.Sprintf("set add into %v", t)))
		}
		v := value.get(l)
		if v == nil {
			return e.fail(e.errorAt(loc, internalErr, "set add of an undefined value"))
		}
		if s == emptySet {
			// The set's first member: it gets a set of its own, in the term every alias holds.
			s = ast.NewSet()
			t.Value = s
		}
		s.Add(v)
		return proceed
	}
}

// compileCall compiles a call of a planned function; the callee's body is read when the call
// runs, as functions are compiled in no particular order.
func (c *compiler) compileCall(s *callFunctionStmt) op {
	f, args, result := s.fn, c.operands(s.Args), s.Result
	return func(e *evaluation, l []*ast.Term) int {
		out, r := e.callFunction(l, f, args)
		if r == aborted {
			return r
		}
		l[result] = out
		return held(out != nil)
	}
}

// compileCallDynamic compiles a call of the function at a path computed at evaluation, as
// the planner emits for data.a[x].b: a path no function has leaves the block (the plan then
// reads the base document instead), and a function found but undefined leaves the three
// blocks the planner wraps around the call, as in OPA's Wasm compiler.
func (c *compiler) compileCallDynamic(s *ir.CallDynamicStmt) op {
	path, result := c.operands(s.Path), s.Result
	args := make([]operand, len(s.Args))
	for i, a := range s.Args {
		args[i] = operand{local: a}
	}
	return func(e *evaluation, l []*ast.Term) int {
		segments := make([]string, len(path))
		for i, seg := range path {
			str, ok := valueOf(seg.get(l)).(ast.String)
			if !ok {
				return 0
			}
			segments[i] = string(str)
		}
		f := e.prog.byPath[pathKey(segments)]
		if f == nil {
			return 0
		}
		out, r := e.callFunction(l, f, args)
		if r == aborted {
			return r
		}
		if out == nil {
			return 3
		}
		l[result] = out
		return proceed
	}
}

func compileBuiltin(s *callBuiltinStmt, args []operand) op {
	result := s.Result
	return func(e *evaluation, l []*ast.Term) int {
		out, r := e.callBuiltin(l, s, args)
		if r == aborted {
			return r
		}
		l[result] = out
		return held(out != nil)
	}
}

// scanOp is a compiled ScanStmt.
type scanOp struct {
	source, key, value ir.Local
	body               []op
}

func (c *compiler) compileScan(s *ir.ScanStmt) op {
	scan := &scanOp{source: s.Source, key: s.Key, value: s.Value, body: c.compileBlock(s.Block)}
	return func(e *evaluation, l []*ast.Term) int { return e.scan(l, scan) }
}

// withOp is a compiled WithStmt; its path is the keys themselves, looked up at load.
type withOp struct {
	local ir.Local
	path  []*ast.Term
	value operand
	body  []op
}

func (c *compiler) compileWith(s *ir.WithStmt) op {
	path := make([]*ast.Term, len(s.Path))
	for i, index := range s.Path {
		path[i] = c.strings[index]
	}
	with := &withOp{local: s.Local, path: path, value: c.operand(s.Value), body: c.compileBlock(s.Block)}
	return func(e *evaluation, l []*ast.Term) int { return e.with(l, with) }
}
