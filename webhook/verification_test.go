package webhook

import (
	"context"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/owners"
)

// TestOwnerVerificationIsRecordedAndGuarded: a Pod one of Kubernetes' controllers creates,
// whose owners verify, gets owners.VerifiedAnnotation from the mutating webhook (added to its
// annotations, or with the map); one whose owners do not verify loses the annotation its
// template carried; a user who sets the annotation on a Pod, at its creation or later, is
// denied; a label change of a verified Pod is not.
func TestOwnerVerificationIsRecordedAndGuarded(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	cluster := fakeOwners{
		"ReplicaSet/web-7d9f": {uid: "rs-1", owners: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "dep-1", Controller: &yes}}},
		"Deployment/web":      {uid: "dep-1"},
	}
	pod := func(uid string, annotations map[string]any) map[string]any {
		meta := map[string]any{"name": "web-7d9f-x7k2p", "ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f", "uid": uid, "controller": true}}}
		if annotations != nil {
			meta["annotations"] = annotations
		}
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "web:1.0"}}}}
	}
	const controller = "system:serviceaccount:kube-system:replicaset-controller"
	mutate := NewMutatingHandler(engine, Cluster{Owners: cluster.lookup}, nil, logr.Discard())
	for _, tc := range []struct {
		name, user, uid string
		annotations     map[string]any
		patch           string
	}{
		{"verified, no annotations", controller, "rs-1", nil, `{"op":"add","path":"/metadata/annotations","value":{"podpolicy.io/owner-verified":"true"}}`},
		{"verified, annotations", controller, "rs-1", map[string]any{"a": "b"}, `{"op":"add","path":"/metadata/annotations/podpolicy.io~1owner-verified","value":"true"}`},
		{"unverified, from the template", controller, "rs-old", map[string]any{owners.VerifiedAnnotation: "true"}, `{"op":"remove","path":"/metadata/annotations/podpolicy.io~1owner-verified"}`},
	} {
		_, resp := serve(t, mutate, withUser(t, reviewBody(t, "CREATE", "shop", pod(tc.uid, tc.annotations), nil), tc.user))
		if !strings.Contains(string(resp.Patch), tc.patch) {
			t.Errorf("%s: patch %s, want it to hold %s", tc.name, resp.Patch, tc.patch)
		}
	}
	_, resp := serve(t, mutate, withUser(t, reviewBody(t, "CREATE", "shop", pod("rs-1", nil), nil), "alice"))
	if strings.Contains(string(resp.Patch), "owner-verified") {
		t.Errorf("a user's Pod was marked verified: %s", resp.Patch)
	}

	validate := NewValidatingHandler(&fakeEngine{}, Cluster{Owners: cluster.lookup}, nil, logr.Discard())
	verified := map[string]any{owners.VerifiedAnnotation: "true"}
	for _, tc := range []struct {
		name, op, user string
		obj, old       map[string]any
		allowed        bool
	}{
		{"a user's Pod claiming verification", "CREATE", "alice", pod("rs-1", verified), nil, false},
		{"a user adding it later", "UPDATE", "alice", pod("rs-1", verified), pod("rs-1", nil), false},
		{"a user changing it", "UPDATE", "alice", pod("rs-1", map[string]any{owners.VerifiedAnnotation: "yes"}), pod("rs-1", verified), false},
		{"a user labelling a verified Pod", "UPDATE", "alice", pod("rs-1", verified), pod("rs-1", verified), true},
		{"a user removing it", "UPDATE", "alice", pod("rs-1", nil), pod("rs-1", verified), true},
		{"the controller's Pod", "CREATE", controller, pod("rs-1", verified), nil, true},
	} {
		_, resp := serve(t, validate, withUser(t, reviewBody(t, tc.op, "shop", tc.obj, tc.old), tc.user))
		if resp.Allowed != tc.allowed {
			t.Errorf("%s: allowed %v, want %v (%+v)", tc.name, resp.Allowed, tc.allowed, resp.Result)
		}
		if !tc.allowed && !strings.Contains(resp.Result.Message, "alice may not set the annotation podpolicy.io/owner-verified of Pod") {
			t.Errorf("%s: denial %s", tc.name, resp.Result.Message)
		}
	}
}
