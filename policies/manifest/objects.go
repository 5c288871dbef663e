package manifest

import (
	"bytes"

	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// object is one object kubectl would send, from one document of a stream.
type object struct {
	// json is the object as kubectl sends it.
	json []byte
	// items locates an item of a list in its document: the index in each list on the way
	// (items[1].items[0] is [1, 0]); nil for the document itself.
	items []int
}

// objectError is a problem kubectl finds with a document or one of its items.
type objectError struct {
	items []int
	err   error
}

// kubectlObjects turns one document of a stream, as Kubernetes' stream reader yields it (its
// JSON), into the objects `kubectl apply -f` and helm would send, as cli-runtime's builder
// does (resource.StreamVisitor, metadataValidatingDecoder and FlattenListVisitor):
//   - an empty or null document is nothing;
//   - the document is decoded with unstructured.UnstructuredJSONScheme, which takes any
//     document with a top-level items field for a list (whatever its kind), and needs a kind;
//   - its metadata must decode into ObjectMeta (a label value that is not a string, say, is
//     refused before anything is sent);
//   - a list's items, and the items of items that are lists, are the objects, in the order
//     the builder visits them; an item that names neither apiVersion nor kind takes the
//     list's, and an item still without one is refused.
func kubectlObjects(raw []byte) ([]object, []objectError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	obj, _, err := unstructured.UnstructuredJSONScheme.Decode(raw, nil, nil)
	if err == nil {
		err = metadataDecodes(raw)
	}
	if err != nil {
		return nil, []objectError{{err: err}}
	}
	if !meta.IsListType(obj) {
		return []object{{json: raw}}, nil
	}
	type queued struct {
		obj   runtime.Object
		items []int
	}
	var objects []object
	var errs []objectError
	queue := []queued{{obj: obj}}
	for i := 0; i < len(queue); i++ {
		q := queue[i]
		if !meta.IsListType(q.obj) {
			data, err := itemJSON(q.obj)
			if err != nil {
				errs = append(errs, objectError{items: q.items, err: err})
				continue
			}
			objects = append(objects, object{json: data, items: q.items})
			continue
		}
		items, err := meta.ExtractList(q.obj)
		if err != nil {
			return objects, append(errs, objectError{items: q.items, err: err})
		}
		for j, item := range items {
			queue = append(queue, queued{obj: item, items: append(append([]int{}, q.items...), j)})
		}
	}
	return objects, errs
}

// metadataOnlyObject is the part of an object cli-runtime decodes to check its metadata.
type metadataOnlyObject struct {
	metav1.TypeMeta   `json:""`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}

// metadataDecodes checks, as cli-runtime's metadataValidatingDecoder does, that an object's
// apiVersion, kind and metadata decode into their Go types (with Kubernetes' case-sensitive
// JSON decoding).
func metadataDecodes(raw []byte) error {
	return utiljson.Unmarshal(raw, &metadataOnlyObject{})
}

// itemJSON is the JSON kubectl sends for an item of a list; an item without a kind or an
// apiVersion is refused, as the builder's object typer does.
func itemJSON(obj runtime.Object) ([]byte, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("list item of type %T", obj)
	}
	switch gvk := u.GroupVersionKind(); {
	case gvk.Kind == "":
		return nil, fmt.Errorf("object has no kind field")
	case gvk.Version == "":
		return nil, fmt.Errorf("object has no apiVersion field")
	}
	return json.Marshal(u.Object)
}

// plainObject reports whether kubectl sends the document of a block-YAML tree that toJSON
// writes (no key repeated) as it is, without decoding it in full: a mapping that is no list
// (no items member), with a kind, an apiVersion that parses, and apiVersion, kind and
// metadata that decode into their Go types, as kubectlObjects requires of every document.
// Anything else goes to kubectlObjects, which says what kubectl does with it.
func plainObject(root *yaml.Node) bool {
	if root.Kind != yaml.MappingNode || child(root, "items") != nil {
		return false
	}
	kind := child(root, "kind")
	if kind == nil || kind.Kind != yaml.ScalarNode {
		return false
	}
	if s := resolveScalar(kind); s.kind != scalarString || s.str == "" {
		return false
	}
	head := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "apiVersion", "kind", "metadata":
			head.Content = append(head.Content, root.Content[i], root.Content[i+1])
		}
	}
	data, err := toJSON(head)
	if err != nil {
		return false
	}
	var meta metadataOnlyObject
	if utiljson.Unmarshal(data, &meta) != nil {
		return false
	}
	_, err = schema.ParseGroupVersion(meta.APIVersion)
	return err == nil
}
