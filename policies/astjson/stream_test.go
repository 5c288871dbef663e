package astjson

import (
	"errors"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestEachElementHandsOnWhatDecodeReads holds EachElement to Decode of the whole document: the
// elements handed on, decoded, are the array's elements, and the object returned is the
// document without the array, with the same options applied.
func TestEachElementHandsOnWhatDecodeReads(t *testing.T) {
	page := `{"kind": "PodList", "metadata": {"continue": "abc", "managedFields": [1]},
		"items": [{"metadata": {"name": "a", "managedFields": [{"x": 1}]}, "spec": {"n": null}},
		          {"metadata": {"name": "b\u00e9"}}, 7, [], "s"],
		"after": {"k": null}}`
	opts := Options{DropNullFields: true, SkipFields: []string{"managedFields"}}
	whole, err := DecodeWith([]byte(page), opts)
	if err != nil {
		t.Fatal(err)
	}
	wantItems := whole.(ast.Object).Get(ast.StringTerm("items")).Value.(*ast.Array)
	var got []ast.Value
	rest, err := EachElement([]byte(page), opts, "items", func(element []byte) error {
		v, err := DecodeWith(element, opts)
		if err != nil {
			return err
		}
		got = append(got, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != wantItems.Len() {
		t.Fatalf("%d elements handed on, want %d", len(got), wantItems.Len())
	}
	for i, v := range got {
		if ast.Compare(v, wantItems.Elem(i).Value) != 0 {
			t.Errorf("element %d: %v, want %v", i, v, wantItems.Elem(i).Value)
		}
	}
	var kept [][2]*ast.Term
	whole.(ast.Object).Foreach(func(k, v *ast.Term) {
		if !k.Equal(ast.StringTerm("items")) {
			kept = append(kept, [2]*ast.Term{k, v})
		}
	})
	if want := ast.NewObject(kept...); ast.Compare(rest, want) != 0 {
		t.Errorf("the rest is %v, want %v", rest, want)
	}
}

// TestEachElementErrors: a streamed member that is not an array, a syntax error inside an
// element, and an error of the callback each stop the decode with a clear error.
func TestEachElementErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"not an array", `{"items": {"a": 1}}`, "want an array"},
		{"broken element", `{"items": [{"a": 1}, {"b" 2}]}`, "want ':'"},
		{"not an object", `[{"items": []}]`, "expected an object, got a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EachElement([]byte(tc.doc), Options{}, "items", func([]byte) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	stop := errors.New("stop here")
	calls := 0
	_, err := EachElement([]byte(`{"items": [1, 2, 3]}`), Options{}, "items", func([]byte) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("error %v after %d calls, want the callback's own after 1", err, calls)
	}
}

// TestEachElementStreamsOnlyTheTopLevelMember: a member of that name deeper down is decoded
// as any other.
func TestEachElementStreamsOnlyTheTopLevelMember(t *testing.T) {
	rest, err := EachElement([]byte(`{"metadata": {"items": [1, 2]}, "items": []}`), Options{}, "items", func([]byte) error {
		return errors.New("no element expected")
	})
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustParseTerm(`{"metadata": {"items": [1, 2]}}`).Value
	if ast.Compare(rest, want) != 0 {
		t.Fatalf("got %v, want %v", rest, want)
	}
}
