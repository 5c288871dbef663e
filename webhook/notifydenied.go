package webhook

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/policies/owners"
	"github.com/podpolicy/podpolicy/webhook/events"
)

// errNoLookup drops an Event whose object must be read when there is nothing to read it with.
var errNoLookup = errors.New("no API access to read the object")

// resolveTimeout bounds one read of an Event's worker.
const resolveTimeout = 5 * time.Second

// storedWaits are when, after its admission, an admitted object is looked for before its Event
// is written: the API server stores it a moment after podpolicy answers, unless something
// after podpolicy refuses it. Past the last, its Event is dropped as not stored.
var storedWaits = []time.Duration{time.Second, 3 * time.Second, 7 * time.Second}

// notifyDenied puts a Warning Event on the top owner of an object that one of the kinds
// table's controllers (Kubernetes' own, or one the config trusts) was refused: the Deployment
// of a ReplicaSet whose Pods are denied, the CronJob of a Job. A team watching its Deployment
// in Argo CD sees why no Pods come, not only a FailedCreate on a ReplicaSet. chainErr says why
// the owners could not be verified, when they could not (then exceptions naming them did not
// apply, and the Event says so). An object named by generateName is "a Pod", not its name of
// the moment, so that the controller's retries repeat one Event, which client-go counts.
func (v *validator) notifyDenied(req *admissionRequest, verdict *policies.Verdict, chain []owners.Ref, chainErr error) {
	table := v.kinds()
	if !table.Controller(req.UserInfo.Username) {
		return
	}
	first, ok := controllerRef(req, v.log)
	if !ok {
		return
	}
	obj := regarding(req)
	what := obj.Kind + " " + strconv.Quote(obj.Name)
	meta, _ := normalize.Value(req.Object, "metadata").(ast.Object)
	if generated, _ := normalize.Value(meta, "generateName").(ast.String); generated != "" {
		what = "a " + obj.Kind
	}
	verb := "create"
	if req.Operation == admissionv1.Update {
		verb = "update"
	}
	describe := func() string {
		var denials []policies.Violation
		for _, vi := range verdict.Violations {
			if vi.Action == policies.Deny {
				denials = append(denials, vi)
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s could not %s %s: podpolicy denied it; it breaks %s:", first.Kind, strconv.Quote(first.Name), verb, what, countRules(denials))
		for i := range min(len(denials), maxListed) {
			b.WriteString("\n")
			b.WriteString(denials[i].String())
		}
		if chainErr != nil {
			b.WriteString("\n(its owners could not be verified, so exceptions naming them did not apply: " + chainErr.Error() + ")")
		}
		return b.String()
	}
	e := events.Event{Type: corev1.EventTypeWarning, Reason: ReasonDenied, Describe: describe}
	if len(chain) > 0 {
		e.Regarding = reference(chain[len(chain)-1], req.Namespace)
	} else {
		e.Regarding = reference(first, req.Namespace)
		e.Resolve = topOwner(v.events.Lookup, table, req.Namespace, first)
	}
	v.events.Sink.Emit(e)
}

// reference is an owner as an Event's involvedObject.
func reference(r owners.Ref, namespace string) corev1.ObjectReference {
	return corev1.ObjectReference{APIVersion: r.APIVersion, Kind: r.Kind, Namespace: namespace, Name: r.Name, UID: r.UID}
}

// topOwner finds, on an Event's worker, the top owner above first that admission could not
// verify in its time: the chain is followed again with a longer bound, and when it cannot
// be, the Event goes on first itself, found with the UID its reference names.
func topOwner(lookup OwnerLookup, table *kinds.Table, namespace string, first owners.Ref) func(context.Context) (corev1.ObjectReference, error) {
	return func(ctx context.Context) (corev1.ObjectReference, error) {
		if lookup == nil {
			return corev1.ObjectReference{}, errNoLookup
		}
		ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		defer cancel()
		if chain, err := owners.Chain(ctx, table, owners.Lookup(lookup), namespace, first); err == nil && len(chain) > 0 {
			return reference(chain[len(chain)-1], namespace), nil
		}
		uid, _, err := lookup(ctx, namespace, first)
		switch {
		case err != nil:
			return corev1.ObjectReference{}, fmt.Errorf("read %s: %w", first, err)
		case uid != first.UID:
			return corev1.ObjectReference{}, fmt.Errorf("%w: %s has uid %s, the reference names %s", events.ErrNotStored, first, uid, first.UID)
		}
		return reference(first, namespace), nil
	}
}

// stored waits, on an Event's worker, until the object ref names is stored with its UID (the
// one the API server gave it at admission), and returns ref; events.ErrNotStored when it is
// not found by the last of storedWaits after admitted, or has another UID.
func stored(lookup OwnerLookup, ref corev1.ObjectReference, admitted time.Time) func(context.Context) (corev1.ObjectReference, error) {
	return func(ctx context.Context) (corev1.ObjectReference, error) {
		if lookup == nil {
			return ref, errNoLookup
		}
		owner := owners.Ref{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name}
		for _, after := range storedWaits {
			select {
			case <-ctx.Done():
				return ref, ctx.Err()
			case <-time.After(time.Until(admitted.Add(after))):
			}
			readCtx, cancel := context.WithTimeout(ctx, resolveTimeout)
			uid, _, err := lookup(readCtx, ref.Namespace, owner)
			cancel()
			switch {
			case apierrors.IsNotFound(err):
				continue
			case err != nil:
				return ref, fmt.Errorf("read %s: %w", owner, err)
			case uid != ref.UID:
				return ref, fmt.Errorf("%w: %s has uid %s, admission saw %s", events.ErrNotStored, owner, uid, ref.UID)
			}
			return ref, nil
		}
		return ref, fmt.Errorf("%w: %s not found %v after its admission", events.ErrNotStored, owner, storedWaits[len(storedWaits)-1])
	}
}

// NewLiveLookup reads objects' metadata from the API server alone (live: a client of the
// Events' own), never through the informer cache, which must not start watching a kind (Pods)
// because an Event looked one up.
func NewLiveLookup(live client.Reader) OwnerLookup {
	return func(ctx context.Context, namespace string, ref owners.Ref) (types.UID, []metav1.OwnerReference, error) {
		obj := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: ref.APIVersion, Kind: ref.Kind}}
		if err := live.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, obj); err != nil {
			return "", nil, err
		}
		return obj.UID, obj.OwnerReferences, nil
	}
}
