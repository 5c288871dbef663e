//go:build e2e

package faults

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestTenantLabelsCannotExemptANamespace labels a tenant namespace the way an attacker would
// to look like kube-system: only the kubernetes.io/metadata.name label (which the API server
// sets from the name and overwrites) and the namespace's name decide exemption.
func TestTenantLabelsCannotExemptANamespace(t *testing.T) {
	ns := namespace(t, map[string]string{"kubernetes.io/metadata.name": "kube-system", "podpolicy.io/exempt": "true", "control-plane": "true"})
	got, err := cp.Client.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels["kubernetes.io/metadata.name"] != ns {
		t.Fatalf("the API server kept a forged kubernetes.io/metadata.name label: %v", got.Labels)
	}
	r := kubectl(t, "apply", "-n", ns, "-f", filepath.Join(mustRoot(t), "examples", "web-server-pod.yaml"))
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "[image-tag-pinned]") {
		t.Errorf("a pod in a namespace with forged labels was not checked:\n%s", r.Output())
	}
}

// TestMirrorPodsAreNotMutated creates a Pod carrying the kubelet's mirror annotation (the API
// server's copy of a static Pod): it is still validated, but never patched.
func TestMirrorPodsAreNotMutated(t *testing.T) {
	ns := namespace(t, map[string]string{"team": "payments"})
	pod, err := harness.FixedPod()
	if err != nil {
		t.Fatal(err)
	}
	pod.Name = "static-web"
	pod.Annotations = map[string]string{"kubernetes.io/config.mirror": "8f1c0c3e", "kubernetes.io/config.source": "file"}
	pod.Spec.NodeName = "node-1"
	created, err := cp.Client.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create mirror pod: %v", err)
	}
	if _, ok := created.Annotations["kubectl.kubernetes.io/default-container"]; ok || created.Labels["example.com/policy"] != "" || created.Labels["team"] != "" {
		t.Errorf("the mirror pod was mutated: labels %v annotations %v", created.Labels, created.Annotations)
	}
	bad := pod.DeepCopy()
	bad.Name = "static-bad"
	bad.Spec.Containers[0].Image = "nginx:latest"
	if _, err := cp.Client.CoreV1().Pods(ns).Create(context.Background(), bad, metav1.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "image-tag-pinned") {
		t.Errorf("a violating mirror pod was not denied: %v", err)
	}
}
