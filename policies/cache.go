package policies

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/vm"
)

// watchedPaths are the input values that differ between Pods a controller creates from one
// template, which the compiled evaluator watches: an evaluation that read none of them gives
// the same result for every replica. At admission they are the name the API server generates,
// and the uid and creation time it sets before the validating webhooks are called; in the
// background audit, which judges stored Pods, also the version the API server stored each at
// and the node the scheduler put each on. (The library looks members of the pod spec up by
// keys it computes, pod.spec[f] with f a containers field; such a lookup counts as a read of
// spec.nodeName only when its key is "nodeName" as it runs.)
var watchedPaths = [][]string{
	{"name"}, {"pod", "metadata", "name"}, {"pod", "metadata", "uid"}, {"pod", "metadata", "creationTimestamp"},
	{"pod", "metadata", "resourceVersion"}, {"pod", "spec", "nodeName"},
}

// decisionCacheSize bounds the results a query remembers (each with its input): a burst of
// replicas needs one, many workloads rolled out at once a few dozen.
const decisionCacheSize = 128

// cachedQuery remembers the results of a compiled query by its input. A result is reused only
// for an input equal to the one it was computed for in every value, except the watched ones
// when its evaluation read none of them (vm.Watch): the plan then cannot have told the two
// inputs apart, so it would have computed the same result. It compares whole inputs, not a
// list of fields kept by hand, and lives as long as its policy set: a config or policy reload
// makes a new one. Only a deterministic plan is cached; time enters the verdict after the
// query (dated actions, exceptions' expiry), which is computed afresh for every request.
type cachedQuery struct {
	program *vm.Program
	watch   *watchTree
	mu      sync.Mutex
	// entries holds the remembered results by the hash of their input without its watched
	// values; order is the same entries, most recently used first.
	entries map[int][]*list.Element
	order   *list.List
	stats   *decisionStats
}

// decisionStats counts what the decision caches of an engine reused and computed, across its
// policy sets.
type decisionStats struct {
	hits, misses atomic.Int64
}

// cacheEntry is one remembered result.
type cacheEntry struct {
	hash  int
	input ast.Value
	// watched says the evaluation read a watched value, so the result holds only for an
	// input with the same watched values.
	watched bool
	found   map[string]any
}

func newCachedQuery(program *vm.Program, stats *decisionStats) *cachedQuery {
	return &cachedQuery{program: program, watch: newWatchTree(watchedPaths), entries: map[int][]*list.Element{}, order: list.New(), stats: stats}
}

func (q *cachedQuery) eval(ctx context.Context, input ast.Value) (map[string]any, error) {
	hash := input.Hash() - q.watch.contribution(input)
	if found, ok := q.lookup(hash, input); ok {
		q.stats.hits.Add(1)
		return found, nil
	}
	q.stats.misses.Add(1)
	result, watched, err := q.program.EvalWatched(ctx, input)
	if err != nil {
		return nil, err
	}
	found, err := foundOf(result)
	if err != nil {
		return nil, err
	}
	q.remember(&cacheEntry{hash: hash, input: input, watched: watched, found: found})
	return found, nil
}

// lookup finds the result remembered for an input like input. The inputs are compared outside
// the lock, which other requests and the background audit wait on: an entry never changes once
// remembered, and moving one that was dropped meanwhile does nothing.
func (q *cachedQuery) lookup(hash int, input ast.Value) (map[string]any, bool) {
	var held [4]*list.Element
	q.mu.Lock()
	candidates := append(held[:0], q.entries[hash]...)
	q.mu.Unlock()
	for _, el := range candidates {
		e := el.Value.(*cacheEntry)
		if q.watch.equalBeside(e.input, input) && (!e.watched || q.watch.equalWatched(e.input, input)) {
			q.mu.Lock()
			q.order.MoveToFront(el)
			q.mu.Unlock()
			return e.found, true
		}
	}
	return nil, false
}

// remember stores e, dropping the least recently used entry beyond decisionCacheSize.
func (q *cachedQuery) remember(e *cacheEntry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.entries[e.hash] = append(q.entries[e.hash], q.order.PushFront(e))
	if q.order.Len() <= decisionCacheSize {
		return
	}
	oldest := q.order.Back()
	q.order.Remove(oldest)
	h := oldest.Value.(*cacheEntry).hash
	kept := q.entries[h][:0]
	for _, el := range q.entries[h] {
		if el != oldest {
			kept = append(kept, el)
		}
	}
	if len(kept) == 0 {
		delete(q.entries, h)
	} else {
		q.entries[h] = kept
	}
}

// watchTree is the watched paths as a tree of object keys.
type watchTree struct {
	children map[string]*watchTree
	// key is the member's key, as a term for lookups.
	key  *ast.Term
	leaf bool
}

func newWatchTree(paths [][]string) *watchTree {
	root := &watchTree{}
	for _, path := range paths {
		n := root
		for _, key := range path {
			if n.children == nil {
				n.children = map[string]*watchTree{}
			}
			if n.children[key] == nil {
				n.children[key] = &watchTree{key: ast.StringTerm(key)}
			}
			n = n.children[key]
		}
		n.leaf = true
	}
	return root
}

// contribution is what the watched members of v add to v's hash: OPA hashes an object as the
// sum of its keys' and values' hashes, so the input's hash less this is the hash of the input
// without them, the same for every replica.
func (w *watchTree) contribution(v ast.Value) int {
	obj, ok := v.(ast.Object)
	if !ok {
		return 0
	}
	sum := 0
	for _, child := range w.children {
		member := obj.Get(child.key)
		switch {
		case member == nil:
		case child.leaf:
			sum += child.key.Hash() + member.Value.Hash()
		default:
			sum += child.contribution(member.Value)
		}
	}
	return sum
}

// equalBeside reports whether a and b are equal in every member but the watched ones.
func (w *watchTree) equalBeside(a, b ast.Value) bool {
	if w.children == nil {
		return ast.Compare(a, b) == 0
	}
	ao, aok := a.(ast.Object)
	bo, bok := b.(ast.Object)
	if !aok || !bok {
		return ast.Compare(a, b) == 0
	}
	return w.unwatchedLen(ao) == w.unwatchedLen(bo) && w.membersEqual(ao, bo)
}

// unwatchedLen is the number of members of o that are not watched values.
func (w *watchTree) unwatchedLen(o ast.Object) int {
	n := o.Len()
	for _, child := range w.children {
		if child.leaf && o.Get(child.key) != nil {
			n--
		}
	}
	return n
}

// membersEqual reports whether every member of a, but the watched ones, is in b and equal;
// with as many such members in each, a and b are then equal but for their watched values.
func (w *watchTree) membersEqual(a, b ast.Object) bool {
	return a.Until(func(k, av *ast.Term) bool {
		key, _ := k.Value.(ast.String)
		child := w.children[string(key)]
		if child != nil && child.leaf {
			return false
		}
		bv := b.Get(k)
		if bv == nil {
			return true
		}
		if child != nil {
			return !child.equalBeside(av.Value, bv.Value)
		}
		return ast.Compare(av.Value, bv.Value) != 0
	}) == false
}

// equalWatched reports whether a and b hold the same watched values (or lack the same).
func (w *watchTree) equalWatched(a, b ast.Value) bool {
	ao, aok := a.(ast.Object)
	bo, bok := b.(ast.Object)
	if !aok || !bok {
		return aok == bok
	}
	for _, child := range w.children {
		av, bv := ao.Get(child.key), bo.Get(child.key)
		switch {
		case av == nil || bv == nil:
			if av != bv {
				return false
			}
		case child.leaf:
			if ast.Compare(av.Value, bv.Value) != 0 {
				return false
			}
		default:
			if !child.equalWatched(av.Value, bv.Value) {
				return false
			}
		}
	}
	return true
}

// DecisionCacheStats returns how many evaluations reused a result of the compiled evaluator's
// decision cache and how many ran with it (both entry points, every policy set the engine has
// loaded); zero without a cache.
func (e *Engine) DecisionCacheStats() (hits, misses int64) {
	if e.opts.decisions == nil {
		return 0, 0
	}
	return e.opts.decisions.hits.Load(), e.opts.decisions.misses.Load()
}
