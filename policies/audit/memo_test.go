package audit

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/owners"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// TestMemoReusesAVerdictOnlyWhileAllItDependsOnHolds: scan after scan, each change to what the
// verdict of a top owner or a Pod depends on (its stored version, its namespace's labels, its
// verified owners, the policies in force, a date of the config passing) makes the objects it
// touches judged again; every scan's findings are those of a scan without a memo.
func TestMemoReusesAVerdictOnlyWhileAllItDependsOnHolds(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(config, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("exceptions:\n- {rule: image-tag-pinned, names: [web], reason: pinned next sprint, expires: \"2027-06-01\"}\n")
	clock := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	engine, err := policies.New(context.Background(), policies.Options{ConfigFile: config, DecisionCache: true, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}

	spec := fixture.PodSpec(t)
	latest := fixture.DeepCopy(spec).(map[string]any)
	fixture.At(latest, "containers", 0)["image"] = "nginx:latest"
	deployment := fixture.Object(1, latest)
	fixture.At(deployment, "metadata")["uid"] = "deploy-web"
	fixture.At(deployment, "metadata")["resourceVersion"] = "20"
	replicaSet := fixture.Object(4, latest)
	fixture.At(replicaSet, "metadata")["name"] = "web-7c9d6b5f4"
	fixture.At(replicaSet, "metadata")["uid"] = "rs-web"
	fixture.At(replicaSet, "metadata")["resourceVersion"] = "21"
	fixture.At(replicaSet, "metadata")["ownerReferences"] = []any{map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "deploy-web", "controller": true}}
	replica := map[string]any{"metadata": map[string]any{
		"name": "web-7c9d6b5f4-x2k4q", "namespace": "shop", "uid": "pod-web", "resourceVersion": "7",
		"annotations":     map[string]any{owners.VerifiedAnnotation: "true"},
		"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c9d6b5f4", "uid": "rs-web", "controller": true}},
	}, "spec": fixture.DeepCopy(latest)}
	solo := map[string]any{"metadata": map[string]any{"name": "solo", "namespace": "shop", "uid": "pod-solo", "resourceVersion": "3"}, "spec": fixture.DeepCopy(spec)}
	cluster := listed{
		"Namespace":  {{"metadata": map[string]any{"name": "shop", "labels": map[string]any{"team": "web"}}}},
		"Deployment": {deployment},
		"ReplicaSet": {replicaSet},
		"Pod":        {replica, solo},
	}

	memo := NewMemo()
	scan := func(step string, wantReused int) *Run {
		t.Helper()
		run, err := Scan(context.Background(), Options{Engine: engine, Lister: cluster, Memo: memo})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		reference, err := Scan(context.Background(), Options{Engine: engine, Lister: cluster})
		if err != nil {
			t.Fatalf("%s, without a memo: %v", step, err)
		}
		if run.Reused != wantReused {
			t.Errorf("%s: %d verdicts reused, want %d", step, run.Reused, wantReused)
		}
		if run.Objects != reference.Objects || !reflect.DeepEqual(run.Findings, reference.Findings) {
			t.Errorf("%s: with the memo %d objects, findings %+v; without it %d, %+v", step, run.Objects, findings(run), reference.Objects, findings(reference))
		}
		return run
	}

	if memo.warm(engine, clock) {
		t.Error("an empty memo is warm")
	}
	scan("the first scan", 0)
	if !memo.warm(engine, clock) {
		t.Error("after a scan, under the same policies and date, the memo is cold")
	}
	// The Deployment and both Pods; the ReplicaSet is only indexed under its Deployment.
	run := scan("nothing changed", 3)
	if got := findings(run)["ReplicaSet shop/web-7c9d6b5f4"]; got != "" {
		t.Errorf("the replica of the excepted Deployment, reused: %q", got)
	}

	solo["spec"] = fixture.DeepCopy(latest)
	fixture.At(solo, "metadata")["resourceVersion"] = "4"
	run = scan("solo stored again with a latest image", 2)
	if got := findings(run)["Pod shop/solo"]; got != "image-tag-pinned/deny" {
		t.Errorf("solo after its change: %q, want image-tag-pinned denied", got)
	}

	fixture.At(cluster["Namespace"][0], "metadata")["labels"] = map[string]any{"team": "web", policies.ModeLabel: "warn"}
	run = scan("the namespace's labels changed", 0)
	if got := findings(run)["Pod shop/solo"]; got != "image-tag-pinned/warn" {
		t.Errorf("solo in a warn namespace: %q, want image-tag-pinned warned", got)
	}

	cluster["Deployment"] = nil
	run = scan("the replica's Deployment gone", 1)
	// The exception names web: the ReplicaSet, now a top owner, is not covered, and its
	// replica has nothing beyond its template's violation.
	if got := findings(run)["ReplicaSet shop/web-7c9d6b5f4"]; got != "image-tag-pinned/warn" {
		t.Errorf("the ReplicaSet without its Deployment: %q, want image-tag-pinned warned", got)
	}

	cluster["Deployment"] = []map[string]any{deployment}
	scan("the Deployment back", 1)
	scan("the Deployment still there", 3)
	fixture.At(deployment, "spec", "template", "spec", "containers", 0)["image"] = "nginx:1.27.3"
	fixture.At(deployment, "metadata")["resourceVersion"] = "22"
	run = scan("the Deployment's image pinned", 2)
	if got := findings(run)["Deployment shop/web"]; got != "" {
		t.Errorf("the Deployment with its image pinned, its replica excepted by its name: %q", got)
	}
	clock = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	if memo.warm(engine, clock) {
		t.Error("past the exception's expiry the memo is warm")
	}
	run = scan("the exception expired", 0)
	if got := findings(run)["Deployment shop/web"]; got != "image-tag-pinned/warn" {
		t.Errorf("the Deployment after its exception expired: %q, want image-tag-pinned warned", got)
	}

	write("rules:\n  image-tag-pinned: {action: off}\n")
	if err := engine.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if memo.warm(engine, clock) {
		t.Error("after a reload the memo is warm")
	}
	run = scan("the config reloaded", 0)
	if got := findings(run)["Pod shop/solo"]; got != "" {
		t.Errorf("solo with image-tag-pinned off: %q", got)
	}

	fixture.At(solo, "metadata")["resourceVersion"] = ""
	scan("solo without a resourceVersion", 2)
	scan("solo still without one: not known to be unchanged", 2)
}

// findings sums a run up by owner: each violation of the owner and of its Pods as rule/action.
func findings(run *Run) map[string]string {
	out := map[string]string{}
	for _, f := range run.Findings {
		s := ""
		for _, v := range append(append([]policies.Violation{}, f.Violations...), f.PodViolations...) {
			if s != "" {
				s += " "
			}
			s += v.Rule + "/" + string(v.Action)
		}
		out[f.Owner.String()] = s
	}
	return out
}
