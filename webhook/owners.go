package webhook

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/opa/v1/ast"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/policies/owners"
)

// OwnerLookup reads the UID and owner references of an object that may own Pods.
type OwnerLookup func(ctx context.Context, namespace string, ref owners.Ref) (types.UID, []metav1.OwnerReference, error)

// ownerLookupTimeout bounds the lookups of one request's owners, well inside the evaluation
// deadline: a Pod whose owners cannot be read in time is judged on its own.
const ownerLookupTimeout = 500 * time.Millisecond

// NewOwnerLookup reads owners of Kubernetes' workload kinds through cache (metadata-only
// informers), and from the API server when the cache does not hold one yet (a ReplicaSet
// created a moment before the first of its Pods) or is of a configured kind, which the cache
// does not watch.
func NewOwnerLookup(cache, live client.Reader) OwnerLookup {
	return func(ctx context.Context, namespace string, ref owners.Ref) (types.UID, []metav1.OwnerReference, error) {
		obj := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: ref.APIVersion, Kind: ref.Kind}}
		key := client.ObjectKey{Namespace: namespace, Name: ref.Name}
		var err error
		if kinds.BuiltinKind(kinds.GroupOf(ref.APIVersion), ref.Kind) == nil {
			err = live.Get(ctx, key, obj)
		} else if err = cache.Get(ctx, key, obj); apierrors.IsNotFound(err) {
			err = live.Get(ctx, key, obj)
		}
		if err != nil {
			return "", nil, err
		}
		return obj.UID, obj.OwnerReferences, nil
	}
}

// ownerNames resolves the names of the controllers above an object that the controller of its
// owner's kind creates or updates (a Pod of a ReplicaSet, the ReplicaSet of a Deployment, the
// Job of a CronJob, the ReplicaSet of an Argo Rollout when the config trusts Argo's
// controller: kinds.Table.Vouches), so that an exception naming its workload covers it. An
// object created by anyone else, without a controller, or whose owners cannot be verified in
// time, gets none and is judged on its own.
func (d *deps) ownerNames(ctx context.Context, req *admissionRequest) []string {
	chain, _ := d.ownerChain(ctx, req)
	return names(chain)
}

// ownerChain resolves the controllers above an object as ownerNames says, the object's own
// controller first; it also says why, when the object has a vouched controller whose chain
// could not be verified (nil otherwise, or when there is nothing to verify).
func (d *deps) ownerChain(ctx context.Context, req *admissionRequest) ([]owners.Ref, error) {
	table := d.kinds()
	if d.owners == nil || !table.Controller(req.UserInfo.Username) {
		return nil, nil
	}
	first, ok := controllerRef(req, d.log)
	if !ok || !table.Vouches(req.UserInfo.Username, first.APIVersion, first.Kind) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, ownerLookupTimeout)
	defer cancel()
	chain, err := owners.Chain(ctx, table, owners.Lookup(d.owners), req.Namespace, first)
	if err != nil {
		d.log.Info("owners not verified; judging the object on its own", "uid", req.UID, "kind", req.Kind.Kind, "namespace", req.Namespace, "reason", err.Error())
		if d.metrics != nil {
			d.metrics.OwnerErr.Inc()
		}
		return nil, err
	}
	return chain, nil
}

// controllerRef reads the controller reference of a request's object, if it has one that reads.
func controllerRef(req *admissionRequest, log logr.Logger) (owners.Ref, bool) {
	meta, _ := normalize.Value(req.Object, "metadata").(ast.Object)
	refs, err := normalize.OwnerReferences(meta)
	if err != nil {
		log.Info("owner references not read; judging the object on its own", "uid", req.UID, "reason", err.Error())
		return owners.Ref{}, false
	}
	return owners.Controller(refs)
}

// names are the names of a chain's owners.
func names(chain []owners.Ref) []string {
	if len(chain) == 0 {
		return nil
	}
	out := make([]string, len(chain))
	for i, r := range chain {
		out[i] = r.Name
	}
	return out
}
