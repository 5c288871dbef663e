package vm

import (
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/util"
)

// valueOf is the value of a possibly undefined term.
func valueOf(t *ast.Term) ast.Value {
	if t == nil {
		return nil
	}
	return t.Value
}

// equal compares as Rego does (1 == 1.0); undefined equals nothing.
func equal(a, b *ast.Term) bool {
	if a == nil || b == nil {
		return false
	}
	return a == b || ast.Compare(a.Value, b.Value) == 0
}

// dot looks key up in a collection: an object's value, an array's element or a set's member.
func dot(source, key *ast.Term) *ast.Term {
	if source == nil || key == nil {
		return nil
	}
	switch c := source.Value.(type) {
	case ast.Object:
		return c.Get(key)
	case *ast.Array:
		n, ok := key.Value.(ast.Number)
		if !ok {
			return nil
		}
		i, ok := n.Int()
		if !ok || i < 0 || i >= c.Len() {
			return nil
		}
		return c.Elem(i)
	case ast.Set:
		if c.Contains(key) {
			return key
		}
	}
	return nil
}

// length is what LenStmt counts: elements, or characters of a string.
func length(t *ast.Term) (int, bool) {
	switch v := valueOf(t).(type) {
	case *ast.Array:
		return v.Len(), true
	case ast.Object:
		return v.Len(), true
	case ast.Set:
		return v.Len(), true
	case ast.String:
		return utf8.RuneCountInString(string(v)), true
	}
	return 0, false
}

// merge deep-merges two documents as OPA's Wasm runtime does (opa_value_merge): where both
// are objects their members are merged key by key; otherwise the first wins, so a base
// document's value takes precedence over a virtual one at the same path.
func merge(a, b *ast.Term) *ast.Term {
	if a == nil {
		return b
	}
	objA, okA := valueOf(a).(ast.Object)
	objB, okB := valueOf(b).(ast.Object)
	if !okA || !okB {
		return a
	}
	merged := ast.NewObjectWithCapacity(objA.Len() + objB.Len())
	objA.Foreach(func(k, v *ast.Term) {
		if other := objB.Get(k); other != nil {
			merged.Insert(k, merge(v, other))
		} else {
			merged.Insert(k, v)
		}
	})
	objB.Foreach(func(k, v *ast.Term) {
		if objA.Get(k) == nil {
			merged.Insert(k, v)
		}
	})
	return ast.NewTerm(merged)
}

// scan runs the statement's body for every key and value of its source, in OPA's sorted
// order for objects and sets.
func (e *evaluation) scan(locals []*ast.Term, s *scanOp) int {
	arr, ok := valueOf(locals[s.source]).(*ast.Array)
	if !ok {
		return e.scanCollection(locals, s)
	}
	// Arrays are scanned without closures: nothing here escapes, so a scan allocates nothing.
	outcome := proceed
	for i := range arr.Len() {
		if !e.scanStep(locals, s, ast.InternedTerm(i), arr.Elem(i), &outcome) {
			break
		}
	}
	return outcome
}

// scanCollection scans an object or a set; anything else has no elements.
func (e *evaluation) scanCollection(locals []*ast.Term, s *scanOp) int {
	outcome := proceed
	switch c := valueOf(locals[s.source]).(type) {
	case ast.Object:
		c.Until(func(k, v *ast.Term) bool { return !e.scanStep(locals, s, k, v, &outcome) })
	case ast.Set:
		c.Until(func(v *ast.Term) bool { return !e.scanStep(locals, s, v, v, &outcome) })
	}
	return outcome
}

// scanStep runs a scan's body for one element and reports whether the scan goes on; when it
// stops, outcome holds what the scan statement yields.
func (e *evaluation) scanStep(locals []*ast.Term, s *scanOp, k, v *ast.Term, outcome *int) bool {
	if !e.tick() {
		*outcome = aborted
		return false
	}
	locals[s.key], locals[s.value] = k, v
	switch r := e.run(locals, s.body); {
	case r == proceed, r == 0:
		return true
	case r == 1:
		return false
	case r > 1:
		*outcome = r - 2
		return false
	default:
		*outcome = r
		return false
	}
}

// with runs the statement's body with a value placed at a path inside a local (input or
// data), on a copy, with a fresh memo of rules, and restores both afterwards.
func (e *evaluation) with(locals []*ast.Term, s *withOp) int {
	saved, savedMemo := locals[s.local], e.memo
	defer func() { locals[s.local], e.memo = saved, savedMemo }()

	value := s.value.get(locals)
	if len(s.path) > 0 {
		value = upsert(saved, s.path, value)
	}
	locals[s.local] = value
	e.memo = make([]memoEntry, len(savedMemo))

	switch r := e.run(locals, s.body); {
	case r == proceed:
		return proceed
	case r == 0:
		return 0
	case r > 0:
		return r - 1
	default:
		return r
	}
}

// upsert returns a copy of doc with value at path, copying only the objects along the path;
// a missing or non-object node on the way is replaced by an object.
func upsert(doc *ast.Term, path []*ast.Term, value *ast.Term) *ast.Term {
	if len(path) == 0 {
		return value
	}
	obj, ok := valueOf(doc).(ast.Object)
	if ok {
		obj = obj.Copy()
	} else {
		obj = ast.NewObject()
	}
	key := path[0]
	obj.Insert(key, upsert(obj.Get(key), path[1:], value))
	return ast.NewTerm(obj)
}

// baseDot is a lookup in a reference into the base data document (see baseRefs): OPA names
// every member there by a string path, so data[2] finds the member "2" and data.list["0"]
// the first element, as OPA's storage does.
func baseDot(source, key *ast.Term) *ast.Term {
	if v := dot(source, key); v != nil || source == nil || key == nil {
		return v
	}
	switch k := key.Value.(type) {
	case ast.Number:
		if obj, ok := source.Value.(ast.Object); ok {
			return obj.Get(ast.InternedTerm(string(k)))
		}
	case ast.String:
		if arr, ok := source.Value.(*ast.Array); ok {
			if i, ok := util.Atoi(string(k)); ok && i >= 0 && i < arr.Len() {
				return arr.Elem(i)
			}
		}
	}
	return nil
}
