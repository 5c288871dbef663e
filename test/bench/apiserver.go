package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// createLatencies creates n compliant Pods one after another in namespace and returns the
// sorted latencies of the creates (after warm-up ones that are not counted).
func createLatencies(ctx context.Context, cp *harness.ControlPlane, namespace string, n int) ([]time.Duration, error) {
	pod, err := harness.FixedPod()
	if err != nil {
		return nil, err
	}
	if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	const warmup = 30
	var latencies []time.Duration
	for i := range n + warmup {
		p := pod.DeepCopy()
		p.Name = fmt.Sprintf("bench-%d", i)
		start := time.Now()
		if _, err := cp.Client.CoreV1().Pods(namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create pod %d: %w", i, err)
		}
		if i >= warmup {
			latencies = append(latencies, time.Since(start))
		}
	}
	slices.Sort(latencies)
	return latencies, nil
}

// createLatencySet holds the sorted create latencies of one configuration.
type createLatencySet struct {
	baseline, nullWebhook, patchingWebhook, podpolicy []time.Duration
	// nullCalls and nullConns are the calls the null webhook answered and the connections
	// the API server opened to it.
	nullCalls, nullConns int64
}

// apiServerLatency measures Pod creates through the real API server without any webhook,
// then with a webhook that admits everything unseen, then with podpolicy's validating and
// mutating webhooks, in the same control plane and run.
func apiServerLatency(ctx context.Context, binary, dir string, n int) (*createLatencySet, error) {
	cp, err := harness.StartControlPlane(dir)
	if err != nil {
		return nil, err
	}
	defer cp.Stop()
	var set createLatencySet
	if set.baseline, err = createLatencies(ctx, cp, "no-webhook", n); err != nil {
		return nil, err
	}

	null, err := startNullWebhook(nil)
	if err != nil {
		return nil, err
	}
	defer null.stop()
	if err := null.install(ctx, cp); err != nil {
		return nil, err
	}
	if set.nullWebhook, err = createLatencies(ctx, cp, "null-webhook", n); err != nil {
		return nil, err
	}
	set.nullCalls, set.nullConns = null.calls.Load(), null.conns.Load()

	// The same, answering /mutate with the patch podpolicy computes for this Pod.
	patching, err := startNullWebhook([]byte(`[{"op":"add","path":"/metadata/annotations/kubectl.kubernetes.io~1default-container","value":"web-server"}]`))
	if err != nil {
		return nil, err
	}
	defer patching.stop()
	if err := patching.install(ctx, cp); err != nil {
		return nil, err
	}
	if set.patchingWebhook, err = createLatencies(ctx, cp, "patching-webhook", n); err != nil {
		return nil, err
	}

	w, err := harness.StartWebhook(ctx, harness.WebhookOptions{Binary: binary, Dir: dir + "/webhook", Kubeconfig: cp.Kubeconfig})
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	if err := cp.InstallWebhooks(ctx, w, admissionregistrationv1.Fail); err != nil {
		return nil, err
	}
	if set.podpolicy, err = createLatencies(ctx, cp, "with-podpolicy", n); err != nil {
		return nil, err
	}
	return &set, nil
}
