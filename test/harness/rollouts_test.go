//go:build e2e

package harness

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

const smokeRollout = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: registry.example/web:1.0
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
`

// The real Argo Rollouts controller runs against the harness's control plane as its
// ServiceAccount, and turns a Rollout applied with kubectl into a ReplicaSet it controls.
func TestRolloutsController(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	crds, err := RolloutsCRDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := StartControlPlane(filepath.Join(dir, "control-plane"), crds...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stop the control plane: %v", err)
		}
	})
	start := time.Now()
	r, err := StartRollouts(ctx, cp, filepath.Join(dir, "rollouts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("stop rollouts-controller: %v", err)
		}
	})
	t.Logf("rollouts-controller working in %v (metrics :%d, healthz :%d)", time.Since(start).Round(time.Millisecond), r.MetricsPort, r.HealthzPort)

	// The controller's kubeconfig is the ServiceAccount's, as the API server sees it.
	config, err := clientcmd.BuildConfigFromFlags("", r.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	review, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("self subject review with the controller's kubeconfig: %v", err)
	}
	if got := review.Status.UserInfo.Username; got != RolloutsUser {
		t.Fatalf("the controller's kubeconfig authenticates as %q, want %q", got, RolloutsUser)
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "rollouts-smoke"}}
	if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if res := cp.Kubectl(ctx, smokeRollout, "apply", "-n", ns.Name, "-f", "-"); res.ExitCode != 0 {
		t.Fatalf("kubectl apply the rollout: exit %d\n%s", res.ExitCode, res.Output())
	}
	rs, err := waitRolloutReplicaSet(ctx, cp, ns.Name, "web", time.Minute)
	if err != nil {
		t.Fatalf("%v\nrollouts-controller log:\n%s", err, r.LogTail(40))
	}
	var managers []string
	for _, entry := range rs.ManagedFields {
		managers = append(managers, fmt.Sprintf("%s (%s)", entry.Manager, entry.Operation))
	}
	t.Logf("replicaset %s: replicas %d, pod-template-hash %s, managed by %s", rs.Name, *rs.Spec.Replicas,
		rs.Labels["rollouts-pod-template-hash"], strings.Join(managers, ", "))
	if tail := r.LogTail(200); strings.Contains(tail, "forbidden") {
		t.Errorf("rollouts-controller was refused a request:\n%s", tail)
	}
}

// waitRolloutReplicaSet waits for a ReplicaSet in namespace controlled by the Rollout name.
func waitRolloutReplicaSet(ctx context.Context, cp *ControlPlane, namespace, name string, timeout time.Duration) (*appsv1.ReplicaSet, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		list, err := cp.Client.AppsV1().ReplicaSets(namespace).List(ctx, metav1.ListOptions{})
		if err == nil {
			for i := range list.Items {
				owner := metav1.GetControllerOf(&list.Items[i])
				if owner != nil && owner.APIVersion == "argoproj.io/v1alpha1" && owner.Kind == "Rollout" && owner.Name == name {
					return &list.Items[i], nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no replicaset controlled by rollout %s/%s within %v (last list error: %v)", namespace, name, timeout, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
