package normalize

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// OwnerReferences reads the ownerReferences of an object's metadata.
func OwnerReferences(meta ast.Object) ([]metav1.OwnerReference, error) {
	list, ok := Value(meta, "ownerReferences").(*ast.Array)
	if !ok {
		return nil, nil
	}
	var r Reader
	refs := make([]metav1.OwnerReference, 0, list.Len())
	for i := range list.Len() {
		parent := fmt.Sprintf("metadata.ownerReferences[%d]", i)
		item, ok := list.Elem(i).Value.(ast.Object)
		if !ok {
			return nil, fieldError(parent, "expected an object, got %s", astjson.TypeName(list.Elem(i).Value))
		}
		refs = append(refs, metav1.OwnerReference{
			APIVersion: r.String(item, "apiVersion", parent), Kind: r.String(item, "kind", parent),
			Name: r.String(item, "name", parent), UID: types.UID(r.String(item, "uid", parent)),
			Controller: r.Bool(item, "controller", parent),
		})
	}
	return refs, r.Err
}
