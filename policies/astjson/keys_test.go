package astjson

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestKnownKeysAreFoundAndShared checks the index of field names: every indexed name is found
// in the slot it was put in, a decoded key of a Kubernetes field is that one shared term, and
// any other name still decodes to its own string.
func TestKnownKeysAreFoundAndShared(t *testing.T) {
	names := 0
	for slot, terms := range knownKeys {
		for _, term := range terms {
			names++
			name := string(term.Value.(ast.String))
			if keySlot(name) != slot {
				t.Errorf("%q is in slot %d, looked up in slot %d", name, slot, keySlot(name))
			}
			if Key(name) != term {
				t.Errorf("Key(%q) is not the indexed term", name)
			}
		}
	}
	if names < 400 {
		t.Errorf("the index holds %d names; the Kubernetes kinds podpolicy reads have more", names)
	}

	obj, err := Decode([]byte(`{"containers": [{"containerPort": 80, "notAKubernetesField": 1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	containers := obj.(ast.Object).Get(Key("containers"))
	if containers == nil {
		t.Fatal("containers not found with the shared key")
	}
	container := containers.Value.(*ast.Array).Elem(0).Value.(ast.Object)
	for _, key := range container.Keys() {
		name := string(key.Value.(ast.String))
		if name == "containerPort" && key != Key("containerPort") {
			t.Errorf("decoded key %q is not the shared term", name)
		}
		if name == "notAKubernetesField" && !key.Equal(ast.StringTerm(name)) {
			t.Errorf("unknown key decoded as %v", key)
		}
	}
	if container.Len() != 2 {
		t.Errorf("container has %d members, want 2", container.Len())
	}
}
