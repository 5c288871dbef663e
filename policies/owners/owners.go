// Package owners resolves the controllers above an object through its ownerReferences, as
// Kubernetes' own controllers record them (a Pod owned by a ReplicaSet owned by a Deployment; a
// Pod owned by a Job owned by a CronJob), so that an exception naming a workload covers the
// Pods its controllers create. Owners are read from what the caller holds (an informer cache
// in serve), never guessed from names: an owner that cannot be found, or whose UID is not the
// one the reference names, ends the chain.
package owners

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies/kinds"
)

// VerifiedAnnotation marks a Pod whose owner chain admission verified when it was created:
// one of Kubernetes' controllers created it, and its owners were found with the UIDs its
// references name. podpolicy's mutating webhook sets it, its validating webhook refuses it
// from anyone else, and the audit trusts a Pod's owners for exceptions only when it is set.
const VerifiedAnnotation = "podpolicy.io/owner-verified"

// Ref names an owner.
type Ref struct {
	APIVersion, Kind, Name string
	UID                    types.UID
}

func (r Ref) String() string { return r.Kind + "/" + r.Name }

// maxDepth bounds a chain: the deepest built-in one is Pod → Job → CronJob, or Pod →
// ReplicaSet → Deployment; a configured kind may add a level or two (Pod → Job → JobSet, Pod →
// RayCluster → RayJob).
const maxDepth = 5

// Lookup returns the owner references and the UID of the object ref names in namespace.
type Lookup func(ctx context.Context, namespace string, ref Ref) (uid types.UID, owners []metav1.OwnerReference, err error)

// Controller returns the controller reference among refs (controller: true), if any.
func Controller(refs []metav1.OwnerReference) (Ref, bool) {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return Ref{APIVersion: r.APIVersion, Kind: r.Kind, Name: r.Name, UID: r.UID}, true
		}
	}
	return Ref{}, false
}

// Chain resolves the controllers above an object whose controller reference is first: first
// itself, then its controller, and so on, each found through lookup with the UID the reference
// names, up to the first owner of a kind the chain does not follow (table.Follows). An error means the chain
// could not be verified: the caller must then judge the object on its own.
func Chain(ctx context.Context, table *kinds.Table, lookup Lookup, namespace string, first Ref) ([]Ref, error) {
	var chain []Ref
	ref := first
	for range maxDepth {
		if !table.Follows(ref.APIVersion, ref.Kind) {
			// An owner of a kind the table does not judge, or whose controller the config does
			// not trust, ends what can be verified.
			return chain, nil
		}
		uid, refs, err := lookup(ctx, namespace, ref)
		if err != nil {
			return nil, fmt.Errorf("owner %s: %w", ref, err)
		}
		if uid != ref.UID {
			return nil, fmt.Errorf("owner %s has uid %s, the reference names %s", ref, uid, ref.UID)
		}
		chain = append(chain, ref)
		next, ok := Controller(refs)
		if !ok {
			return chain, nil
		}
		ref = next
	}
	return nil, fmt.Errorf("owner chain of %s is deeper than %d", first, maxDepth)
}
