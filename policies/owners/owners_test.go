package owners

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies/kinds"
)

// objects is what a lookup finds, by kind/name.
type objects map[string]struct {
	uid    types.UID
	owners []metav1.OwnerReference
}

func (o objects) lookup(_ context.Context, _ string, ref Ref) (types.UID, []metav1.OwnerReference, error) {
	obj, ok := o[ref.String()]
	if !ok {
		return "", nil, errors.New("not found")
	}
	return obj.uid, obj.owners, nil
}

func controllerRef(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: &yes}
}

func TestChainFollowsControllersAndVerifiesUIDs(t *testing.T) {
	cluster := objects{
		"ReplicaSet/api-7d9f": {uid: "rs-1", owners: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", "api", "dep-1")}},
		"Deployment/api":      {uid: "dep-1"},
		"Job/report-29000":    {uid: "job-1", owners: []metav1.OwnerReference{controllerRef("batch/v1", "CronJob", "report", "cron-1")}},
		"CronJob/report":      {uid: "cron-1"},
		"ReplicaSet/rollout":  {uid: "rs-2", owners: []metav1.OwnerReference{controllerRef("argoproj.io/v1alpha1", "Rollout", "canary", "ro-1")}},
		"ReplicaSet/stale":    {uid: "rs-3-new"},
	}
	for _, tc := range []struct {
		first Ref
		want  string
		err   string
	}{
		{Ref{"apps/v1", "ReplicaSet", "api-7d9f", "rs-1"}, "ReplicaSet/api-7d9f Deployment/api", ""},
		{Ref{"batch/v1", "Job", "report-29000", "job-1"}, "Job/report-29000 CronJob/report", ""},
		{Ref{"apps/v1", "ReplicaSet", "rollout", "rs-2"}, "ReplicaSet/rollout", ""},
		{Ref{"argoproj.io/v1alpha1", "Rollout", "canary", "ro-1"}, "", ""},
		{Ref{"apps/v1", "ReplicaSet", "missing", "rs-9"}, "", "owner ReplicaSet/missing: not found"},
		{Ref{"apps/v1", "ReplicaSet", "stale", "rs-3-old"}, "", "owner ReplicaSet/stale has uid rs-3-new, the reference names rs-3-old"},
		{Ref{"apps/v1beta1", "ReplicaSet", "api-7d9f", "rs-1"}, "", ""},
	} {
		chain, err := Chain(context.Background(), kinds.BuiltinTable(), cluster.lookup, "shop", tc.first)
		var names []string
		for _, r := range chain {
			names = append(names, r.String())
		}
		if got := strings.Join(names, " "); got != tc.want || (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("%s: chain %q, error %v; want %q, %q", tc.first, got, err, tc.want, tc.err)
		}
	}
}

func TestControllerIgnoresOwnersThatAreNotControllers(t *testing.T) {
	no := false
	refs := []metav1.OwnerReference{{Kind: "ConfigMap", Name: "x", Controller: &no}, {Kind: "Node", Name: "n"}, controllerRef("apps/v1", "DaemonSet", "agent", "ds-1")}
	if got, ok := Controller(refs); !ok || got.Name != "agent" {
		t.Errorf("controller %v %v, want DaemonSet agent", got, ok)
	}
	if _, ok := Controller(refs[:2]); ok {
		t.Error("a Pod without a controller reference has a controller")
	}
}
