package policies

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// newTestEngine builds an engine or fails the test.
func newTestEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// decode turns obj into what Judge takes, as check and serve do: JSON, decoded by
// normalize.Decode.
func decode(t testing.TB, obj map[string]any) ast.Object {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := normalize.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return decoded
}

// judge judges obj in c.
func judge(t testing.TB, e *Engine, obj map[string]any, c Context) (*Verdict, error) {
	t.Helper()
	return e.Judge(context.Background(), decode(t, obj), c)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// updated judges, as an UPDATE from old, a copy of old changed by edit: the rules it is denied
// for, and whether it changed a pod template.
func updated(t testing.TB, e *Engine, old map[string]any, edit func(obj map[string]any)) (deny []string, templateChanged bool) {
	t.Helper()
	obj := fixture.DeepCopy(old).(map[string]any)
	edit(obj)
	v, err := judge(t, e, obj, Context{Operation: "UPDATE", OldObject: decode(t, old)})
	if err != nil {
		t.Fatal(err)
	}
	return ruleIDs(v.Violations, Deny), v.TemplateChanged
}
