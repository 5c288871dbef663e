//go:build e2e

package events

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestWarningsAreEventsArgoCDReads: a Pod applied with a warning (a rule warning until its
// enforceFrom date) and a Deployment applied into a podpolicy.io/mode=warn namespace each
// get a Warning Event on themselves, naming the rule, the path and the date, which Argo CD's
// call for a resource's events returns (it selects by UID: the Event of a CREATE carries the
// UID the object was stored with). The ReplicaSet and Pods the controllers create for the
// Deployment, with verified owners, get none: their owner has it.
func TestWarningsAreEventsArgoCDReads(t *testing.T) {
	ctx := context.Background()
	installed(t, "rules:\n  share-process-namespace: {action: warn, enforceFrom: \"2099-03-01\"}\n")

	ns := suite.Namespace(t, nil)
	if r := apply(t, warnedPod(t, ns, "debuggable")); r.ExitCode != 0 || !strings.Contains(r.Stderr, "Warning: ") {
		t.Fatalf("the warned Pod must be admitted with a warning: %s", r.Output())
	}
	pod, err := cp.Client.CoreV1().Pods(ns).Get(ctx, "debuggable", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, ns, pod.Name, pod.UID, "PolicyWarning", 30*time.Second)
	if e.Type != corev1.EventTypeWarning || e.InvolvedObject.Kind != "Pod" || e.Source.Component != "podpolicy" {
		t.Errorf("the Pod's Event: type %s, object %+v, source %+v", e.Type, e.InvolvedObject, e.Source)
	}
	for _, want := range []string{
		`Pod "debuggable" was admitted with warnings:`,
		"[share-process-namespace] shareProcessNamespace is true (spec.shareProcessNamespace)",
		"this will be denied from 2099-03-01",
	} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("the Pod's Event lacks %q:\n%s", want, e.Message)
		}
	}

	soft := suite.Namespace(t, map[string]string{"podpolicy.io/mode": "warn"})
	if r := apply(t, deployment(t, soft, "web", "registry.example.com/shop/web:latest", 1)); r.ExitCode != 0 || !strings.Contains(r.Stderr, "[image-tag-pinned]") {
		t.Fatalf("the Deployment must be admitted with a warning in a warn-mode namespace: %s", r.Output())
	}
	dep, err := cp.Client.AppsV1().Deployments(soft).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e = waitEvent(t, soft, dep.Name, dep.UID, "PolicyWarning", 30*time.Second)
	for _, want := range []string{
		`Deployment "web" was admitted with warnings (namespace ` + soft + ` has podpolicy.io/mode=warn: these rules deny elsewhere):`,
		`[image-tag-pinned] container "web-server": `,
		"(spec.template.spec.containers[0].image)",
	} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("the Deployment's Event lacks %q:\n%s", want, e.Message)
		}
	}

	// The controllers create the ReplicaSet and its Pod, warned as the template is; their
	// Events would be written a second after each was stored.
	waitPods(t, soft, "app=web", 1)
	time.Sleep(4 * time.Second)
	for _, e := range fromPodpolicy(t, soft) {
		if e.InvolvedObject.Kind != "Deployment" {
			t.Errorf("an Event on %s %s, which its controller created with verified owners: %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message)
		}
	}
}
