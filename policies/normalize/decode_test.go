package normalize

import (
	"errors"
	"testing"
)

// TestDecodeDropsWhatThePoliciesNeverSee: null fields and managedFields are not part of the
// input, at any depth; nulls in lists stay, and a document that is not an object is refused.
func TestDecodeDropsWhatThePoliciesNeverSee(t *testing.T) {
	obj, err := Decode([]byte(`{"kind":"Pod","metadata":{"name":null,"managedFields":[{"manager":"kubectl"}]},"spec":{"volumes":[null]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := obj.String(), `{"kind": "Pod", "metadata": {}, "spec": {"volumes": [null]}}`; got != want {
		t.Errorf("decoded %s, want %s", got, want)
	}
	if _, err := Decode([]byte(`[1]`)); err == nil || err.Error() != "expected an object, got a list" {
		t.Errorf("a list: error %v", err)
	}
}

// TestReaderNamesTheFirstFieldOfTheWrongType: every read goes on, the first error stays.
func TestReaderNamesTheFirstFieldOfTheWrongType(t *testing.T) {
	obj, err := Decode([]byte(`{"request":{"uid":7,"dryRun":"yes","object":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	var r Reader
	req := r.Object(obj, "request", "")
	if uid := r.String(req, "uid", "request"); uid != "" {
		t.Errorf("uid %q", uid)
	}
	if r.Bool(req, "dryRun", "request") != nil || r.Object(req, "object", "request") != nil || r.String(req, "missing", "request") != "" {
		t.Error("a field of the wrong type or a missing one read as a value")
	}
	var fe *FieldError
	if !errors.As(r.Err, &fe) || r.Err.Error() != "request.uid: expected a string, got a number" {
		t.Errorf("error %v, want the uid's field error", r.Err)
	}
}
