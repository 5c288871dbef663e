package check

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// Context is what a manifest is judged in: what `kubectl apply -f` (or helm, for
// post-render) of it would send. Nothing is known of the cluster: no namespace labels, so no
// namespace mode, and no owners (a manifest's objects are created by their author, not by a
// controller).
type Context struct {
	// Namespace is the namespace of objects that name none: kubectl's default, or the one
	// given with -n / helm's --namespace.
	Namespace string
}

// of is the engine's context of one manifest object: a CREATE, in the object's own namespace
// or c's, validated and mutated.
func (c Context) of(obj ast.Object) policies.Context {
	var r normalize.Reader
	namespace := r.String(r.Object(obj, "metadata", ""), "namespace", "metadata")
	if namespace == "" {
		namespace = c.Namespace
	}
	return policies.Context{Operation: "CREATE", Namespace: namespace, Phases: policies.Validate | policies.Mutate}
}
