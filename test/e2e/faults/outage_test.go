//go:build e2e

package faults

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestKilledWebhookFailsClosed kills podpolicy (SIGKILL, no drain) in the middle of a stream
// of 200 Pod creates, one in three of them violating: with failurePolicy Fail every create is
// either judged or rejected, no violating Pod is stored, and once podpolicy is back creates
// are admitted again.
func TestKilledWebhookFailsClosed(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t, nil)
	load, err := harness.StartLoad(ctx, cp.Client, harness.LoadOptions{
		Namespace: ns, Workers: 2, Interval: 10 * time.Millisecond, BadEvery: 3,
		MutationLabel: "example.com/policy", OutageExpected: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "50 creates", time.Minute, func() bool { return load.Sent.Load() >= 50 })
	if err := webhook.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := load.Sent.Load()
	waitFor(t, "100 creates while podpolicy is down", time.Minute, func() bool { return load.Sent.Load() >= 100 })
	restarted, err := startWebhook(ctx, harness.WebhookOptions{Port: webhook.Port, CA: webhook.CA})
	if err != nil {
		t.Fatal(err)
	}
	webhook = restarted
	restartedAt := load.Sent.Load()
	waitFor(t, "200 creates", time.Minute, func() bool { return load.Sent.Load() >= 200 })
	load.Stop()
	t.Logf("killed after %d creates, restarted after %d: %s", killedAt, restartedAt, load)

	if load.Failed.Load() != 0 || load.Unchecked.Load() != 0 || load.Unmutated.Load() != 0 {
		t.Errorf("creates not judged as expected:\n%s", load.Errors())
	}
	if load.Rejected.Load() == 0 {
		t.Error("no create was rejected while podpolicy was down: the outage was not exercised")
	}
	if load.LastAdmitted.Load() <= restartedAt {
		t.Errorf("no create was admitted after podpolicy restarted (last at %d, restart at %d)", load.LastAdmitted.Load(), restartedAt)
	}
	pods, err := cp.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if strings.HasSuffix(p.Spec.Containers[0].Image, ":latest") || p.Labels["example.com/policy"] == "" {
			t.Errorf("pod %s was stored unchecked", p.Name)
		}
	}
	if int64(len(pods.Items)) != load.Admitted.Load() {
		t.Errorf("%d pods stored, %d admitted", len(pods.Items), load.Admitted.Load())
	}
}
