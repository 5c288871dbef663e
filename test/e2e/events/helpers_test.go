//go:build e2e

package events

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/test/harness"
)

// installed starts podpolicy serve with config (YAML) and extra flags, registers it in both
// webhook configurations with failurePolicy Fail, and stops it when the test ends.
func installed(t *testing.T, config string, args ...string) *harness.Webhook {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := suite.StartWebhook(ctx, harness.WebhookOptions{ConfigFile: path, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	install(t, w)
	return w
}

// install registers a started podpolicy in both webhook configurations with failurePolicy
// Fail, and removes them and stops it when the test ends (printing its log if it failed).
func install(t *testing.T, w *harness.Webhook) {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("podpolicy log:\n%s", w.LogTail(40))
		}
		_ = cp.UninstallWebhooks(ctx)
		_ = w.Stop()
	})
	if err := cp.InstallWebhooks(ctx, w, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
}

// argoEvents lists the Events of one resource with the call Argo CD's API server makes for a
// resource's events (ListResourceEvents in server/application/application.go): in the
// resource's namespace, by the field selector involvedObject.name, involvedObject.uid and
// involvedObject.namespace. An Event without the resource's UID is not in it.
func argoEvents(t *testing.T, ns, name string, uid types.UID) []corev1.Event {
	t.Helper()
	selector := fields.SelectorFromSet(map[string]string{
		"involvedObject.name": name, "involvedObject.uid": string(uid), "involvedObject.namespace": ns,
	}).String()
	list, err := cp.Client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: selector})
	if err != nil {
		t.Fatalf("list the events of %s/%s: %v", ns, name, err)
	}
	return list.Items
}

// withReason are the events of a reason.
func withReason(events []corev1.Event, reason string) []corev1.Event {
	var out []corev1.Event
	for _, e := range events {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits for an Event of reason on a resource, read as Argo CD reads them.
func waitEvent(t *testing.T, ns, name string, uid types.UID, reason string, timeout time.Duration) corev1.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, e := range argoEvents(t, ns, name, uid) {
			if e.Reason == reason {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s Event on %s/%s (uid %s) after %v; its events: %+v", reason, ns, name, uid, timeout, argoEvents(t, ns, name, uid))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// fromPodpolicy are the Events of a namespace that podpolicy wrote.
func fromPodpolicy(t *testing.T, ns string) []corev1.Event {
	t.Helper()
	list, err := cp.Client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "source=podpolicy"})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// warnedPod is the compliant Pod of the examples, named name, with shareProcessNamespace on:
// it breaks share-process-namespace alone, a warn rule.
func warnedPod(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	pod, err := harness.FixedPod()
	if err != nil {
		t.Fatal(err)
	}
	pod.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	pod.Name, pod.Namespace = name, ns
	pod.Spec.ShareProcessNamespace = new(true)
	return pod
}

// deployment is a Deployment of replicas Pods of the examples' compliant Pod with its first
// container's image set to image.
func deployment(t *testing.T, ns, name, image string, replicas int32) *appsv1.Deployment {
	t.Helper()
	pod, err := harness.FixedPod()
	if err != nil {
		t.Fatal(err)
	}
	pod.Spec.Containers[0].Image = image
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod.Spec},
		},
	}
}

// apply applies an object with kubectl, as a user or a GitOps tool's sync would, and returns
// kubectl's result.
func apply(t *testing.T, obj any) harness.Result {
	t.Helper()
	return suite.Kubectl(t, "apply", "-f", harness.WriteJSON(t, obj))
}

// metric returns the value of one sample of w's metrics, 0 when absent.
func metric(t *testing.T, w *harness.Webhook, sample string) float64 {
	t.Helper()
	v, ok := w.Metric(t, sample)
	if !ok {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("metric %s: %v", sample, err)
	}
	return f
}

// waitPods waits until a namespace has want Pods of a label selector, and returns them.
func waitPods(t *testing.T, ns, selector string, want int) []corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pods, err := cp.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) == want {
			return pods.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Pods of %s in %s after 30s, want %d", len(pods.Items), selector, ns, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
