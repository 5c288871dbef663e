package vm

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestWatchNotesEveryWayAWatchedValueCanBeRead: with input.name and input.pod.metadata.name
// watched, an evaluation notes a read of either when a statement that may observe it runs (a
// lookup, a comparison of the object holding it, a built-in given that object, a scan over it,
// a rule returning it, a with replacing it, a lookup whose computed key is its name as it
// runs), and notes nothing when it reads only other fields, even beside a rule that would read
// the name had it run or by a computed key that is another field's name.
func TestWatchNotesEveryWayAWatchedValueCanBeRead(t *testing.T) {
	input := ast.MustParseTerm(`{"name": "web-7c9d-x2k4q", "kind": "Pod", "x": 1, "pod": {"metadata": {"name": "web-7c9d-x2k4q", "labels": {"app": "web"}}, "spec": {"containers": [{"name": "web"}]}}}`).Value
	for _, tc := range []struct {
		name, rules string
		watched     bool
	}{
		{"another field", `p if input.x == 1`, false},
		{"a container's name (not watched)", `p if input.pod.spec.containers[_].name == "web"`, false},
		{"a label beside the name", `p if input.pod.metadata.labels.app == "web"`, false},
		{"the name in a rule that does not run", "p if input.x == 1\nq := sprintf(\"%s\", [input.name]) if input.x == 2\nr if { p; not q }", false},
		{"a type test of the metadata", `p if is_object(input.pod.metadata)`, true},
		{"input.name", `p := input.name`, true},
		{"the Pod's name", `p if input.pod.metadata.name != ""`, true},
		{"the name in a message that runs", "p := msg if { input.x == 1; msg := sprintf(\"%s\", [input.name]) }", true},
		{"the metadata given to a built-in", `p if count(input.pod.metadata) > 0`, true},
		{"the metadata by a key it computes", `p if { k := concat("", ["na", "me"]); input.pod.metadata[k] }`, true},
		{"the metadata's labels by a key from a list", `p if { some k in ["labels"]; input.pod.metadata[k].app == "web" }`, false},
		{"the name by a key from a list", `p if { some k in ["labels", "name"]; input.pod.metadata[k] }`, true},
		{"the metadata by a computed key, then a label", `p if { k := concat("", ["meta", "data"]); input.pod[k].labels.app == "web" }`, false},
		{"the metadata by a computed key, then the name", `p if { k := concat("", ["meta", "data"]); input.pod[k].name != "" }`, true},
		{"a label by a function's parameter", "m(k) := input.pod.metadata[k]\np if m(\"labels\").app == \"web\"", false},
		{"the name by a function's parameter", "m(k) := input.pod.metadata[k]\np if m(\"name\") != \"\"", true},
		{"a scan over the input", `p if { some k, v in input; k == "x"; v == 1 }`, true},
		{"the input compared", `p if input == {}`, true},
		{"a label through a rule returning the metadata", "meta := input.pod.metadata\np if meta.labels.app == \"web\"", false},
		{"the name through a rule returning the metadata", "meta := input.pod.metadata\np if meta.name != \"\"", true},
		{"the metadata through a rule of two definitions", "meta := input.pod.metadata if input.x == 1\nmeta := input.pod.metadata if input.x != 2\np if meta.labels.app == \"web\"", true},
		{"the name through a helper's return", "m := input.pod.metadata\nn := m\np if n.name", true},
		{"a with replacing the name", "q if input.x == 1\np if q with input.name as \"other\"", true},
		{"the input handed to a function", "f(o) := o.name\np := f(input)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Plan(context.Background(), compile(t, "package w\n"+tc.rules), "data.w.p")
			if err != nil {
				t.Fatal(err)
			}
			program, err := Load(plan, ast.NewObject(), Watch([]string{"name"}, []string{"pod", "metadata", "name"}))
			if err != nil {
				t.Fatal(err)
			}
			_, watched, err := program.EvalWatched(context.Background(), input)
			if err != nil {
				t.Fatal(err)
			}
			if watched != tc.watched {
				t.Errorf("watched %v, want %v", watched, tc.watched)
			}
		})
	}
}
