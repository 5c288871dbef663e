package vm

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

// Watch makes the program note, in every evaluation, whether it may have read the value at
// any of paths of its input (EvalWatched): a Pod's generated name, which differs between Pods
// that are otherwise the same. The statements that may observe such a value are found when
// the plan is loaded (watchedStmts); they note it when they run. An evaluation that notes
// nothing would have given the same result whatever those values were.
func Watch(paths ...[]string) Option {
	return func(p *Program) {
		root := &watchNode{}
		for _, path := range paths {
			n := root
			for _, key := range path {
				if n.children == nil {
					n.children = map[string]*watchNode{}
				}
				if n.children[key] == nil {
					n.children[key] = &watchNode{}
				}
				n = n.children[key]
			}
			n.leaf = true
		}
		p.watch = root
	}
}

// watchNode is a step of the watched paths: the input, input.pod, input.pod.metadata, and
// the watched values themselves (leaves).
type watchNode struct {
	children map[string]*watchNode
	leaf     bool
}

// tags are, at one point of a function, the steps of the watched paths each local may hold.
type tags map[ir.Local]map[*watchNode]bool

func (t tags) clone() tags {
	out := make(tags, len(t))
	for l, ns := range t {
		out[l] = ns
	}
	return out
}

// set replaces the steps l may hold (an assignment).
func (t tags) set(l ir.Local, ns map[*watchNode]bool) {
	if len(ns) == 0 {
		delete(t, l)
		return
	}
	t[l] = ns
}

// merge adds what other's locals may hold; it reports whether t grew.
func (t tags) merge(other tags) bool {
	grew := false
	for l, ns := range other {
		for n := range ns {
			if !t[l][n] {
				t[l] = union(t[l], map[*watchNode]bool{n: true})
				grew = true
			}
		}
	}
	return grew
}

// union is a new set of the steps of a and b.
func union(a, b map[*watchNode]bool) map[*watchNode]bool {
	out := make(map[*watchNode]bool, len(a)+len(b))
	for n := range a {
		out[n] = true
	}
	for n := range b {
		out[n] = true
	}
	return out
}

// watchAnalysis follows, through one function's statements, the locals that may hold the
// input or a step towards a watched value, and marks the statements that may observe one.
type watchAnalysis struct {
	p   *Program
	obs *observations
	// returns are what each function may return; returned what this one may.
	returns  map[*function]map[*watchNode]bool
	returned map[*watchNode]bool
	compared map[ir.Local]bool
	grew     bool
}

// watchedStmts adds to observing the statements of blocks, the body of a function (or the
// plan) whose input is the local input, that may observe a watched value: a lookup of a watched
// key, or any use other than a lookup, a type test, handing the input on to a function as its
// input, or returning it (a comparison, a built-in's argument, a scan, a with) of a local that
// holds the input or a step towards a watched value. Locals are followed through lookups,
// copies and the results of functions (returns: what each may return), statement by statement
// in the order the blocks run (the planner reuses a local in each body of a rule), with what
// a nested block may change added to what it may leave unchanged, so the answer errs only
// towards observing. It returns the steps the function may return, and whether observing grew.
func (p *Program) watchedStmts(input ir.Local, blocks []*ir.Block, obs *observations, returns map[*function]map[*watchNode]bool) (map[*watchNode]bool, bool) {
	a := &watchAnalysis{p: p, obs: obs, returns: returns, returned: map[*watchNode]bool{}, compared: comparedOnce(blocks)}
	a.blocks(blocks, tags{input: {p.watch: true}})
	return a.returned, a.grew
}

// blocks runs blocks one after another, as a function's bodies or a BlockStmt's blocks run, and
// returns what the locals may hold after them.
func (a *watchAnalysis) blocks(blocks []*ir.Block, in tags) tags {
	cur := in
	for _, b := range blocks {
		cur = a.block(b, cur)
	}
	return cur
}

// block runs b's statements in order from in; any of them may be undefined and leave the block,
// so what the locals may hold after it is what they may hold after any of its statements.
func (a *watchAnalysis) block(b *ir.Block, in tags) tags {
	cur, out := in.clone(), in.clone()
	for _, stmt := range b.Stmts {
		a.stmt(stmt, cur)
		out.merge(cur)
	}
	return out
}

func (a *watchAnalysis) observe(stmt ir.Stmt) {
	if !a.obs.always[stmt] {
		a.obs.always[stmt] = true
		a.grew = true
	}
}

// observeKey marks a lookup by a computed key as observing a watched value when, as it runs,
// its key is name.
func (a *watchAnalysis) observeKey(stmt ir.Stmt, name string) {
	keys := a.obs.byKey[stmt]
	if keys[name] {
		return
	}
	if keys == nil {
		keys = map[string]bool{}
		a.obs.byKey[stmt] = keys
	}
	keys[name] = true
	a.grew = true
}

// stmt applies one statement to cur.
func (a *watchAnalysis) stmt(stmt ir.Stmt, cur tags) {
	info, _ := describe(stmt)
	tagged := func(o ir.Operand) map[*watchNode]bool {
		if l, ok := o.Value.(ir.Local); ok {
			return cur[l]
		}
		return nil
	}
	reads := info.reads
	var result map[*watchNode]bool
	switch s := stmt.(type) {
	case *ir.DotStmt:
		from := tagged(s.Source)
		if from == nil {
			break
		}
		reads = []ir.Operand{s.Key}
		key, constant := a.p.constantKey(s.Key)
		if !constant {
			// A key computed as the plan runs (pod.spec[f], f from a list of field names) may
			// be any member: the lookup observes a watched value only when, as it runs, its
			// key is a watched one's, and what it finds may be any step towards one.
			for n := range from {
				for name, child := range n.children {
					if child.leaf {
						a.observeKey(stmt, name)
					} else {
						result = union(result, map[*watchNode]bool{child: true})
					}
				}
			}
			break
		}
		for n := range from {
			switch child := n.children[key]; {
			case child == nil:
			case child.leaf:
				a.observe(stmt)
			default:
				result = union(result, map[*watchNode]bool{child: true})
			}
		}
	case *ir.AssignVarStmt:
		result, reads = tagged(s.Source), nil
	case *ir.AssignVarOnceStmt:
		// A complete rule's value: a copy, unless its target may hold a value already, which
		// it is then compared with (and kept).
		result = union(tagged(s.Source), cur[s.Target])
		if !a.compared[s.Target] {
			reads = nil
		}
	case *ir.IsObjectStmt, *ir.IsArrayStmt, *ir.IsSetStmt, *ir.IsDefinedStmt, *ir.IsUndefinedStmt:
		// The input and the steps towards a watched value are objects whatever the watched
		// values are.
		reads = nil
	case *ir.ReturnLocalStmt:
		for n := range tagged(ir.Operand{Value: s.Source}) {
			a.returned[n] = true
		}
		reads = nil
	case *callFunctionStmt:
		reads, result = handedOn(reads, s.Args, cur, a.p.watch), a.returns[s.fn]
	case *ir.CallDynamicStmt:
		reads = handedOn(reads, localOperands(s.Args...), cur, a.p.watch)
		for _, r := range a.returns {
			result = union(result, r)
		}
	}
	for _, o := range reads {
		if tagged(o) != nil {
			a.observe(stmt)
		}
	}
	// What the statement writes holds what it computed: a step of the input for the
	// statements above, nothing for any other (a built-in's result, a new collection). A
	// statement that read a step towards a watched value was marked above, and it runs before
	// anything reads what it wrote.
	for _, w := range info.writes {
		if w.kind == assigns || w.kind == makes {
			cur.set(w.local, result)
		}
	}
	switch s := stmt.(type) {
	case *ir.ScanStmt:
		// The body runs any number of times: until what the locals may hold stops growing.
		for {
			after := a.block(s.Block, cur.clone())
			if !cur.merge(after) {
				break
			}
		}
	case *ir.NotStmt:
		cur.merge(a.block(s.Block, cur.clone()))
	case *ir.BlockStmt:
		cur.merge(a.blocks(s.Blocks, cur.clone()))
	case *ir.WithStmt:
		cur.merge(a.block(s.Block, cur.clone()))
	}
}

// comparedOnce returns the locals that an AssignVarOnceStmt of blocks may find holding a
// value, which it then compares with the one it assigns: those two or more of them assign, or
// one in the body of a scan, which runs it again.
func comparedOnce(blocks []*ir.Block) map[ir.Local]bool {
	count := map[ir.Local]int{}
	var walk func(blocks []*ir.Block, inScan bool)
	walk = func(blocks []*ir.Block, inScan bool) {
		for _, b := range blocks {
			for _, stmt := range b.Stmts {
				if s, ok := stmt.(*ir.AssignVarOnceStmt); ok {
					count[s.Target]++
					if inScan {
						count[s.Target]++
					}
				}
				info, _ := describe(stmt)
				_, scan := stmt.(*ir.ScanStmt)
				walk(info.nested, inScan || scan)
			}
		}
	}
	walk(blocks, false)
	compared := map[ir.Local]bool{}
	for l, n := range count {
		compared[l] = n > 1
	}
	return compared
}

// handedOn is reads without the first argument of a call when it is the input itself, which
// the called function's own analysis follows.
func handedOn(reads, args []ir.Operand, held tags, root *watchNode) []ir.Operand {
	if len(args) == 0 {
		return reads
	}
	first, ok := args[0].Value.(ir.Local)
	if !ok || len(held[first]) != 1 || !held[first][root] {
		return reads
	}
	out := make([]ir.Operand, 0, len(reads))
	skipped := false
	for _, o := range reads {
		if l, ok := o.Value.(ir.Local); ok && l == first && !skipped {
			skipped = true
			continue
		}
		out = append(out, o)
	}
	return out
}

// constantKey is the string an operand names when it is a constant string.
func (p *Program) constantKey(o ir.Operand) (string, bool) {
	if i, ok := o.Value.(ir.StringIndex); ok && int(i) < len(p.strings) {
		if s, ok := p.strings[i].Value.(ast.String); ok {
			return string(s), true
		}
	}
	return "", false
}

// observations are the statements that may observe a watched value: always, whenever they run,
// or, for a lookup by a computed key, only when the key is one of the watched members' names.
type observations struct {
	always map[ir.Stmt]bool
	byKey  map[ir.Stmt]map[string]bool
}

// watching finds the statements of every function and of the plan that may observe a watched
// value; nil when nothing is watched. A function that returns the input or a step towards a
// watched value (a rule metadata := input.pod.metadata) hands it to its callers, whose own
// lookups then decide, so the functions are analysed again until nothing changes.
func (p *Program) watching() *observations {
	if p.watch == nil {
		return nil
	}
	observing := &observations{always: map[ir.Stmt]bool{}, byKey: map[ir.Stmt]map[string]bool{}}
	returns := map[*function]map[*watchNode]bool{}
	for changed := true; changed; {
		changed = false
		for _, f := range p.funcs {
			returned, grew := p.watchedStmts(f.fn.Params[0], f.fn.Blocks, observing, returns)
			if grew || len(returned) != len(returns[f]) {
				changed = true
			}
			returns[f] = returned
		}
	}
	p.watchedStmts(ir.Input, p.plan.Blocks, observing, returns)
	return observing
}

// noting wraps a statement that may observe a watched value: it notes so when it runs.
func noting(inner op) op {
	return func(e *evaluation, l []*ast.Term) int {
		e.watched = true
		return inner(e, l)
	}
}

// notingKeys wraps a lookup by a computed key: it notes a watched value observed when the key
// it runs with is one of names.
func notingKeys(inner op, key operand, names map[string]bool) op {
	return func(e *evaluation, l []*ast.Term) int {
		if k := key.get(l); k != nil {
			if s, ok := k.Value.(ast.String); ok && names[string(s)] {
				e.watched = true
			}
		}
		return inner(e, l)
	}
}
