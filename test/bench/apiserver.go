package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// apiServerRounds is how many times the configurations take turns: each measures a share of
// its creates in every round, so a slow drift of this shared machine (etcd compaction, the API
// server's own garbage collection) spreads over all of them instead of favouring one.
const apiServerRounds = 4

// createWarmup creates are made and not counted after each switch of configuration.
const createWarmup = 10

// createLatencies creates n compliant Pods one after another in namespace, named with prefix,
// and returns their latencies, after createWarmup creates that are not counted.
func createLatencies(ctx context.Context, cp *harness.ControlPlane, namespace, prefix string, n int) ([]time.Duration, error) {
	pod, err := harness.FixedPod()
	if err != nil {
		return nil, err
	}
	var latencies []time.Duration
	for i := range n + createWarmup {
		p := pod.DeepCopy()
		p.Name = fmt.Sprintf("%s-%d", prefix, i)
		start := time.Now()
		if _, err := cp.Client.CoreV1().Pods(namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create pod %s: %w", p.Name, err)
		}
		if i >= createWarmup {
			latencies = append(latencies, time.Since(start))
		}
	}
	return latencies, nil
}

// createLatencySet holds the sorted create latencies of each configuration.
type createLatencySet struct {
	baseline, nullWebhook, patchingWebhook, podpolicy []time.Duration
	// nullCalls and nullConns are the calls the null webhook answered and the connections
	// the API server opened to it.
	nullCalls, nullConns int64
}

// webhookSetup is one configuration of the API server's admission webhooks.
type webhookSetup struct {
	namespace string
	install   func(context.Context) error
	latencies *[]time.Duration
}

// apiServerLatency measures Pod creates through the real API server without any webhook,
// with a webhook that admits everything unseen, with the same answering podpolicy's patch,
// and with podpolicy's validating and mutating webhooks, in the same control plane, the
// configurations taking turns for apiServerRounds rounds.
func apiServerLatency(ctx context.Context, binary, dir string, n int) (*createLatencySet, error) {
	cp, err := harness.StartControlPlane(dir)
	if err != nil {
		return nil, err
	}
	defer cp.Stop()
	null, err := startNullWebhook(nil)
	if err != nil {
		return nil, err
	}
	defer null.stop()
	// The same, answering /mutate with the patch podpolicy computes for this Pod.
	patching, err := startNullWebhook([]byte(`[{"op":"add","path":"/metadata/annotations/kubectl.kubernetes.io~1default-container","value":"web-server"}]`))
	if err != nil {
		return nil, err
	}
	defer patching.stop()
	w, err := harness.StartWebhook(ctx, harness.WebhookOptions{Binary: binary, Dir: dir + "/webhook", Kubeconfig: cp.Kubeconfig})
	if err != nil {
		return nil, err
	}
	defer w.Stop()

	var set createLatencySet
	setups := []webhookSetup{
		{"no-webhook", func(ctx context.Context) error { return uninstall(ctx, cp, null, patching) }, &set.baseline},
		{"null-webhook", func(ctx context.Context) error { return null.install(ctx, cp) }, &set.nullWebhook},
		{"patching-webhook", func(ctx context.Context) error { return patching.install(ctx, cp) }, &set.patchingWebhook},
		{"with-podpolicy", func(ctx context.Context) error { return cp.InstallWebhooks(ctx, w, admissionregistrationv1.Fail) }, &set.podpolicy},
	}
	for _, s := range setups {
		if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: s.namespace}}, metav1.CreateOptions{}); err != nil {
			return nil, err
		}
	}
	for round := range apiServerRounds {
		for _, s := range setups {
			if err := s.install(ctx); err != nil {
				return nil, fmt.Errorf("%s: %w", s.namespace, err)
			}
			latencies, err := createLatencies(ctx, cp, s.namespace, fmt.Sprintf("round%d", round), n/apiServerRounds)
			if err != nil {
				return nil, err
			}
			*s.latencies = append(*s.latencies, latencies...)
		}
	}
	for _, s := range setups {
		slices.Sort(*s.latencies)
	}
	set.nullCalls, set.nullConns = null.calls.Load(), null.conns.Load()
	return &set, nil
}

// uninstall removes the webhook configurations and waits until the API server stops calling
// webhooks: a create is admitted without either null webhook hearing of it.
func uninstall(ctx context.Context, cp *harness.ControlPlane, nulls ...*nullWebhook) error {
	if err := cp.UninstallWebhooks(ctx); err != nil {
		return err
	}
	quiet := 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		before := callsOf(nulls)
		if err := probe(ctx, cp); err != nil {
			quiet = 0
			continue
		}
		if callsOf(nulls) == before {
			if quiet++; quiet == 2 {
				return nil
			}
		} else {
			quiet = 0
		}
	}
	return errors.New("the API server kept calling webhooks after their configurations were deleted")
}

func callsOf(nulls []*nullWebhook) int64 {
	var n int64
	for _, w := range nulls {
		n += w.calls.Load()
	}
	return n
}
