//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestTemplateUpdatesAreJudgedAsTheirRollout: a Deployment admitted while its namespace was in
// warn mode, on :latest, is grandfathered once the namespace enforces: kubectl label and
// kubectl scale (down) of it are admitted, kubectl rollout restart is denied naming the rule
// and saying its Pods would be denied, and kubectl set image to a pinned tag is admitted; after
// every admitted update, no ReplicaSet of the namespace has a FailedCreate event (the Pods its
// controller creates are admitted).
func TestTemplateUpdatesAreJudgedAsTheirRollout(t *testing.T) {
	ns := namespace(t, map[string]string{"podpolicy.io/mode": "warn"})
	deploy := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "grandfathered", "namespace": ns},
		"spec": map[string]any{
			"replicas": 3,
			"selector": map[string]any{"matchLabels": map[string]any{"app": "grandfathered"}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "grandfathered"}}, "spec": violatingSpec("")},
		},
	}
	data, err := json.Marshal(deploy)
	if err != nil {
		t.Fatal(err)
	}
	if r := suite.CP.Kubectl(t.Context(), string(data), "apply", "-f", "-"); r.ExitCode != 0 || !strings.Contains(r.Stderr, "image-tag-pinned") {
		t.Fatalf("apply in warn mode: %s", r.Output())
	}
	waitForPods(t, ns, "app=grandfathered", 3)
	if r := kubectl(t, "label", "namespace", ns, "podpolicy.io/mode-"); r.ExitCode != 0 {
		t.Fatalf("enforce in %s: %s", ns, r.Output())
	}
	noFailedCreate(t, ns)

	for _, admitted := range [][]string{
		{"label", "deployment", "grandfathered", "team=shop"},
		{"scale", "deployment", "grandfathered", "--replicas=2"},
	} {
		if r := kubectl(t, append(admitted, "-n", ns)...); r.ExitCode != 0 {
			t.Errorf("kubectl %s of the grandfathered Deployment: %s", admitted[0], r.Output())
		}
		noFailedCreate(t, ns)
	}

	r := kubectl(t, "rollout", "restart", "deployment", "grandfathered", "-n", ns)
	if r.ExitCode == 0 {
		t.Fatalf("kubectl rollout restart of a Deployment on :latest was admitted: %s", r.Output())
	}
	mustContain(t, "the denial of rollout restart", r.Stderr,
		`Deployment "grandfathered" breaks 1 rule:`,
		"this update changes the pod template, so the Pods it rolls out would break these rules",
		`[image-tag-pinned] container "web": image "registry.example.com/shop/web:latest" uses the tag latest (spec.template.spec.containers[0].image)`)

	if r := kubectl(t, "set", "image", "deployment/grandfathered", "web=registry.example.com/shop/web:1.4.3", "-n", ns); r.ExitCode != 0 {
		t.Fatalf("kubectl set image to a pinned tag: %s", r.Output())
	}
	// The new ReplicaSet's Pods are created and admitted.
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := kubectl(t, "get", "pods", "-n", ns, "-l", "app=grandfathered", "-o", "jsonpath={.items[*].spec.containers[0].image}")
		if strings.Contains(r.Stdout, "web:1.4.3") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Pod of the pinned template within 60s: %s", r.Output())
		}
		time.Sleep(250 * time.Millisecond)
	}
	noFailedCreate(t, ns)
}

// noFailedCreate fails the test when a ReplicaSet of ns has a FailedCreate event: a Pod its
// controller made was refused.
func noFailedCreate(t *testing.T, ns string) {
	t.Helper()
	time.Sleep(time.Second) // the ReplicaSet controller syncs and records events asynchronously
	r := kubectl(t, "get", "events", "-n", ns, "--field-selector", "reason=FailedCreate,involvedObject.kind=ReplicaSet", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
	if r.ExitCode != 0 || strings.TrimSpace(r.Stdout) != "" {
		t.Errorf("FailedCreate events in %s: %s", ns, r.Output())
	}
}
