package webhook

import (
	"github.com/podpolicy/podpolicy/test/fixture"

	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/owners"
)

// fakeOwners is a cluster of owners by kind/name.
type fakeOwners map[string]struct {
	uid    types.UID
	owners []metav1.OwnerReference
}

func (f fakeOwners) lookup(_ context.Context, _ string, ref owners.Ref) (types.UID, []metav1.OwnerReference, error) {
	obj, ok := f[ref.String()]
	if !ok {
		return "", nil, errors.New("not found")
	}
	return obj.uid, obj.owners, nil
}

// TestExceptionsFollowOwnersOfControllerCreatedPods: a host-network Pod created by the
// ReplicaSet controller for Deployment ne-prometheus-node-exporter inherits the exceptions
// naming that Deployment; the same Pod created by a user (who can write any
// ownerReferences), or whose owners cannot be verified, is judged on its own.
func TestExceptionsFollowOwnersOfControllerCreatedPods(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte(`exceptions:
  - {rule: host-namespaces, names: [ne-prometheus-node-exporter], reason: reads the node's network statistics}
  - {rule: host-ports, names: [ne-prometheus-node-exporter], reason: serves metrics on the node's port 8080}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	engine, err := policies.New(context.Background(), policies.Options{ConfigFile: config})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	cluster := fakeOwners{
		"ReplicaSet/ne-prometheus-node-exporter-7d9f": {uid: "rs-1", owners: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "ne-prometheus-node-exporter", UID: "dep-1", Controller: &yes}}},
		"Deployment/ne-prometheus-node-exporter":      {uid: "dep-1"},
	}
	spec := fixture.PodSpec(t)
	spec["hostNetwork"] = true
	podWithOwner := func(uid string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": spec, "metadata": map[string]any{
			"generateName":    "ne-prometheus-node-exporter-7d9f-",
			"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "ne-prometheus-node-exporter-7d9f", "uid": uid, "controller": true}},
		}}
	}
	replicaSet := map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": map[string]any{
		"name":            "ne-prometheus-node-exporter-7d9f",
		"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "ne-prometheus-node-exporter", "uid": "dep-1", "controller": true}},
	}, "spec": map[string]any{"template": map[string]any{"spec": spec}}}
	for _, tc := range []struct {
		user     string
		admitted bool
	}{{"system:serviceaccount:kube-system:deployment-controller", true}, {"alice", false}} {
		h := NewValidatingHandler(engine, Cluster{Owners: cluster.lookup}, nil, logr.Discard())
		body := reviewBody(t, "CREATE", "monitoring", replicaSet, nil)
		body = withUser(t, body, tc.user)
		if _, resp := serve(t, h, body); resp.Allowed != tc.admitted {
			t.Errorf("ReplicaSet of the excepted Deployment created by %s: admitted %v, want %v", tc.user, resp.Allowed, tc.admitted)
		}
	}
	for _, tc := range []struct {
		name, user, ownerUID string
		lookup               OwnerLookup
		admitted             bool
	}{
		{"created by the controller manager", "system:kube-controller-manager", "rs-1", cluster.lookup, true},
		{"created by the ReplicaSet controller's account", "system:serviceaccount:kube-system:replicaset-controller", "rs-1", cluster.lookup, true},
		{"created by a user naming the owner", "alice", "rs-1", cluster.lookup, false},
		{"an owner reference of another uid", "system:kube-controller-manager", "rs-old", cluster.lookup, false},
		{"owners that cannot be read", "system:kube-controller-manager", "rs-1", func(context.Context, string, owners.Ref) (types.UID, []metav1.OwnerReference, error) {
			return "", nil, context.DeadlineExceeded
		}, false},
		{"no cluster to read", "system:kube-controller-manager", "rs-1", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewValidatingHandler(engine, Cluster{Owners: tc.lookup}, nil, logr.Discard())
			body := withUser(t, reviewBody(t, "CREATE", "monitoring", podWithOwner(tc.ownerUID), nil), tc.user)
			_, resp := serve(t, h, body)
			if resp.Allowed != tc.admitted {
				t.Errorf("admitted %v, want %v: %+v", resp.Allowed, tc.admitted, resp.Result)
			}
			if !tc.admitted && !strings.Contains(resp.Result.Message, "[host-namespaces]") {
				t.Errorf("denied, but not for host-namespaces: %s", resp.Result.Message)
			}
		})
	}
}

// withUser sets the userInfo of a review.
func withUser(t *testing.T, body []byte, username string) []byte {
	t.Helper()
	var review map[string]any
	if err := json.Unmarshal(body, &review); err != nil {
		t.Fatal(err)
	}
	review["request"].(map[string]any)["userInfo"] = map[string]any{"username": username, "groups": []any{"system:authenticated"}}
	out, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
