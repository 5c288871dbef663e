package webhook

import (
	"context"
	"slices"
	"strings"
	"time"

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

// createdByController reports whether username is an identity Kubernetes' controllers create
// and update the objects they own as: the controller manager's own, or the service account of
// one of its controllers (the Deployment controller's ReplicaSets, the CronJob controller's
// Jobs, the Pods of the others; kinds.Controllers). Only for them does an ownerReference stand
// for how the object came to be; anyone else could name any owner.
func createdByController(username string) bool {
	if username == "system:kube-controller-manager" {
		return true
	}
	sa, ok := strings.CutPrefix(username, "system:serviceaccount:kube-system:")
	return ok && slices.Contains(kinds.Controllers(), sa)
}

// NewOwnerLookup reads owners of the workload kinds through cache (metadata-only
// informers), and from the API server when the cache does not hold one yet: a ReplicaSet
// created a moment before the first of its Pods.
func NewOwnerLookup(cache, live client.Reader) OwnerLookup {
	return func(ctx context.Context, namespace string, ref owners.Ref) (types.UID, []metav1.OwnerReference, error) {
		obj := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: ref.APIVersion, Kind: ref.Kind}}
		key := client.ObjectKey{Namespace: namespace, Name: ref.Name}
		err := cache.Get(ctx, key, obj)
		if apierrors.IsNotFound(err) {
			err = live.Get(ctx, key, obj)
		}
		if err != nil {
			return "", nil, err
		}
		return obj.UID, obj.OwnerReferences, nil
	}
}

// ownerNames resolves the names of the controllers above an object that one of Kubernetes'
// controllers creates or updates (a Pod, the ReplicaSet of a Deployment, the Job of a CronJob),
// so that an exception naming its workload covers it. An object created by anyone else,
// without a controller, or whose owners cannot be verified in time, gets none and is judged on
// its own.
func (d *deps) ownerNames(ctx context.Context, req *admissionRequest) []string {
	if d.owners == nil || !createdByController(req.UserInfo.Username) {
		return nil
	}
	meta, _ := normalize.Value(req.Object, "metadata").(ast.Object)
	refs, err := normalize.OwnerReferences(meta)
	if err != nil {
		d.log.Info("owner references not read; judging the object on its own", "uid", req.UID, "reason", err.Error())
		return nil
	}
	first, ok := owners.Controller(refs)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ownerLookupTimeout)
	defer cancel()
	chain, err := owners.Chain(ctx, owners.Lookup(d.owners), req.Namespace, first)
	if err != nil {
		d.log.Info("owners not verified; judging the object on its own", "uid", req.UID, "kind", req.Kind.Kind, "namespace", req.Namespace, "reason", err.Error())
		if d.metrics != nil {
			d.metrics.OwnerErr.Inc()
		}
		return nil
	}
	names := make([]string, len(chain))
	for i, r := range chain {
		names[i] = r.Name
	}
	return names
}
