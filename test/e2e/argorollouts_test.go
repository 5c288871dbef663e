//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies/owners"
	"github.com/podpolicy/podpolicy/test/harness"
)

// TestRolloutWithWorkloadRefSaysWhoseTemplateItRuns: an Argo Rollout that takes its template
// from a Deployment (spec.workloadRef) is admitted with a warning saying that the Deployment's
// template is the one judged, never silently; its Pods, which Argo's controller makes from the
// Deployment's template, are judged as Pods, and an exception naming the Rollout covers them
// once the chain from the Pod to the Rollout is verified: the ReplicaSet controller created
// the Pod, the trusted Argo controller the ReplicaSet.
func TestRolloutWithWorkloadRefSaysWhoseTemplateItRuns(t *testing.T) {
	ns := namespace(t, map[string]string{"team": "payments"})
	name := "storefront-excepted"
	deployment := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"replicas": 0, "selector": selector(name),
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}}, "spec": hostNetworkSpec("")}}}
	if r := kubectl(t, "apply", "-n", ns, "-f", harness.WriteJSON(t, deployment)); r.ExitCode != 0 {
		t.Fatalf("the Deployment excepted by name was denied: %s", r.Output())
	}
	rollout := map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"replicas": 1, "selector": selector(name),
			"workloadRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
			"strategy":    map[string]any{"canary": map[string]any{"steps": []any{map[string]any{"setWeight": 50}}}}}}
	applied := kubectl(t, "apply", "-n", ns, "-f", harness.WriteJSON(t, rollout))
	if applied.ExitCode != 0 {
		t.Fatalf("the Rollout was denied: %s", applied.Output())
	}
	want := `Rollout ` + name + `: no pod template at spec.template: it runs the pod template of Deployment ` + name + ` (spec.workloadRef), which podpolicy judges as any Deployment`
	if !strings.Contains(applied.Stderr, want) {
		t.Errorf("kubectl apply of the Rollout did not warn\n  %s\nstderr:\n%s", want, applied.Stderr)
	}
	// The Deployment's template breaks host-namespaces and host-ports, which the config excepts
	// for objects named *-excepted: the Pods are admitted because they are the Rollout's.
	pods := waitForPods(t, ns, "app="+name, 1)
	for _, p := range pods {
		if p.Annotations[owners.VerifiedAnnotation] != "true" || p.Labels["example.com/policy"] != "podpolicy" {
			t.Errorf("Pod %s of Rollout %s: annotations %v, labels %v; want its owners verified and the labels injected", p.Name, name, p.Annotations, p.Labels)
		}
	}
	// The same Pod created by a user names no verified owner: it is judged on its own.
	again := createdAgain(t, ns, pods[0])
	if got := rulesIn(again.Stderr); again.ExitCode == 0 || strings.Join(got, ",") != "host-namespaces,host-ports" {
		t.Errorf("Pod %s created again by a user: exit %d, rules %v; want denied by host-namespaces and host-ports:\n%s", pods[0].Name, again.ExitCode, got, again.Output())
	}
}
