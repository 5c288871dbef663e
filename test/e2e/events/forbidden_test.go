//go:build e2e

package events

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestEventsThatCannotBeWrittenAreDroppedAndCounted: podpolicy running as a user whose RBAC
// grants everything it reads but no Event writes admits every warned Pod as fast as ever;
// each Event is refused once, dropped and counted as forbidden (never retried, none
// written), and the refusal is logged once, not once per Event.
func TestEventsThatCannotBeWrittenAreDroppedAndCounted(t *testing.T) {
	ctx := context.Background()
	const user, creates = "podpolicy-without-events", 10
	read := []string{"get", "list", "watch"}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: user}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces", "pods", "replicationcontrollers"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets", "deployments", "statefulsets", "daemonsets"}, Verbs: read},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: read},
	}}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	rbac := cp.Client.RbacV1()
	if _, err := rbac.ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rbac.ClusterRoleBindings().Delete(ctx, user, metav1.DeleteOptions{})
		_ = rbac.ClusterRoles().Delete(ctx, user, metav1.DeleteOptions{})
	})
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := cp.UserKubeconfig(kubeconfig, user); err != nil {
		t.Fatal(err)
	}
	w, err := harness.StartWebhook(ctx, harness.WebhookOptions{Binary: suite.Binary, Dir: filepath.Join(dir, "webhook"), Kubeconfig: kubeconfig,
		Args: []string{"--events-qps=50", "--events-burst=50"}})
	if err != nil {
		t.Fatal(err)
	}
	install(t, w)

	ns := suite.Namespace(t, nil)
	var slowest time.Duration
	for i := range creates {
		start := time.Now()
		if _, err := cp.Client.CoreV1().Pods(ns).Create(ctx, warnedPod(t, ns, fmt.Sprintf("warned-%d", i)), metav1.CreateOptions{}); err != nil {
			t.Fatalf("a warned Pod must be admitted whatever becomes of its Event: %v", err)
		}
		slowest = max(slowest, time.Since(start))
	}
	forbidden := `podpolicy_events_dropped_total{reason="forbidden"}`
	deadline := time.Now().Add(30 * time.Second)
	for metric(t, w, forbidden) < creates && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	if got, written := metric(t, w, forbidden), metric(t, w, `podpolicy_events_written_total{event="PolicyWarning"}`); got != creates || written != 0 {
		t.Errorf("%v Events dropped as forbidden and %v written, want %d and 0", got, written, creates)
	}
	if n := strings.Count(w.Log(), "event not written; dropped"); n != 1 {
		t.Errorf("the refused writes were logged %d times, want once", n)
	}
	if len(fromPodpolicy(t, ns)) != 0 {
		t.Error("an Event was written without the right to")
	}
	t.Logf("%d warned Pods admitted, the slowest create took %v; their Events dropped as forbidden", creates, slowest.Round(time.Millisecond))
}
