package vm

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// term parses a term; "undefined" stands for nil.
func term(s string) *ast.Term {
	if s == "undefined" {
		return nil
	}
	return ast.MustParseTerm(s)
}

// sameTerm compares terms of which either may be undefined.
func sameTerm(a, b *ast.Term) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}

func TestEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`{"a": [1]}`, `{"a": [1.0]}`, true},
		{`"1"`, `1`, false},
		{`{1, 2}`, `{2, 1}`, true},
		{`undefined`, `1`, false},
		{`undefined`, `undefined`, false},
	} {
		if got := equal(term(tc.a), term(tc.b)); got != tc.want {
			t.Errorf("equal(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestDot: a lookup finds an object's value, an array's element at an integer index or a
// set's member, and nothing in any other case.
func TestDot(t *testing.T) {
	for _, tc := range []struct{ source, key, want string }{
		{`{"a": 1}`, `"a"`, `1`},
		{`{"a": 1}`, `"b"`, `undefined`},
		{`{"2": 1}`, `2`, `undefined`},
		{`["x", "y"]`, `1`, `"y"`},
		{`["x", "y"]`, `1.0`, `"y"`},
		{`["x", "y"]`, `1.5`, `undefined`},
		{`["x", "y"]`, `2`, `undefined`},
		{`["x", "y"]`, `-1`, `undefined`},
		{`["x", "y"]`, `"0"`, `undefined`},
		{`{"x"}`, `"x"`, `"x"`},
		{`{"x"}`, `"y"`, `undefined`},
		{`"xy"`, `0`, `undefined`},
		{`undefined`, `0`, `undefined`},
		{`[1]`, `undefined`, `undefined`},
	} {
		if got := dot(term(tc.source), term(tc.key)); !sameTerm(got, term(tc.want)) {
			t.Errorf("dot(%s, %s) = %v, want %s", tc.source, tc.key, got, tc.want)
		}
	}
}

// TestBaseDot: in base data a number key also finds the member named by its digits, and a
// string of digits the array element, as in OPA's storage; the value itself comes first.
func TestBaseDot(t *testing.T) {
	for _, tc := range []struct{ source, key, want string }{
		{`{"2": "two"}`, `2`, `"two"`},
		{`{"2": "two", 2: "number"}`, `2`, `"number"`},
		{`["x", "y"]`, `"1"`, `"y"`},
		{`["x", "y"]`, `"2"`, `undefined`},
		{`["x", "y"]`, `"-1"`, `undefined`},
		{`["x", "y"]`, `"a"`, `undefined`},
		{`["x", "y"]`, `1`, `"y"`},
		{`{"a": 1}`, `"a"`, `1`},
		{`"xy"`, `"0"`, `undefined`},
		{`undefined`, `"0"`, `undefined`},
	} {
		if got := baseDot(term(tc.source), term(tc.key)); !sameTerm(got, term(tc.want)) {
			t.Errorf("baseDot(%s, %s) = %v, want %s", tc.source, tc.key, got, tc.want)
		}
	}
}

// TestLength: collections count their members, strings their characters.
func TestLength(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int
		ok    bool
	}{
		{`[1, 2, 3]`, 3, true},
		{`{"a": 1}`, 1, true},
		{`{1, 2}`, 2, true},
		{`"héllo"`, 5, true},
		{`""`, 0, true},
		{`12`, 0, false},
		{`undefined`, 0, false},
	} {
		if n, ok := length(term(tc.value)); n != tc.want || ok != tc.ok {
			t.Errorf("length(%s) = %d, %v; want %d, %v", tc.value, n, ok, tc.want, tc.ok)
		}
	}
}

// TestMerge: objects merge key by key at any depth; otherwise the first document wins.
func TestMerge(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{`{"a": 1}`, `{"b": 2}`, `{"a": 1, "b": 2}`},
		{`{"a": {"x": 1}}`, `{"a": {"y": 2}}`, `{"a": {"x": 1, "y": 2}}`},
		{`{"a": 1}`, `{"a": 2}`, `{"a": 1}`},
		{`{"a": 1}`, `{"a": {"y": 2}}`, `{"a": 1}`},
		{`[1]`, `{"a": 1}`, `[1]`},
		{`{"a": 1}`, `[1]`, `{"a": 1}`},
		{`undefined`, `{"b": 2}`, `{"b": 2}`},
	} {
		a, b := term(tc.a), term(tc.b)
		if got := merge(a, b); !sameTerm(got, term(tc.want)) {
			t.Errorf("merge(%s, %s) = %v, want %s", tc.a, tc.b, got, tc.want)
		}
		if !sameTerm(a, term(tc.a)) || !sameTerm(b, term(tc.b)) {
			t.Errorf("merge(%s, %s) changed its operands to %v, %v", tc.a, tc.b, a, b)
		}
	}
}

// TestUpsert: the value is placed at the path in a copy, objects made along the way where
// none are; the original document is never changed.
func TestUpsert(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		path []string
		want string
	}{
		{`{"a": 1}`, nil, `"v"`},
		{`{"a": 1}`, []string{"b"}, `{"a": 1, "b": "v"}`},
		{`{"a": {"x": 1}}`, []string{"a", "y"}, `{"a": {"x": 1, "y": "v"}}`},
		{`{"a": 1}`, []string{"a", "y"}, `{"a": {"y": "v"}}`},
		{`{"a": 1}`, []string{"a"}, `{"a": "v"}`},
		{`undefined`, []string{"a", "b"}, `{"a": {"b": "v"}}`},
		{`[1]`, []string{"a"}, `{"a": "v"}`},
	} {
		doc := term(tc.doc)
		path := make([]*ast.Term, len(tc.path))
		for i, p := range tc.path {
			path[i] = ast.StringTerm(p)
		}
		if got := upsert(doc, path, ast.StringTerm("v")); !sameTerm(got, term(tc.want)) {
			t.Errorf("upsert(%s, %v) = %v, want %s", tc.doc, tc.path, got, tc.want)
		}
		if !sameTerm(doc, term(tc.doc)) {
			t.Errorf("upsert(%s, %v) changed the document to %v", tc.doc, tc.path, doc)
		}
	}
}
