package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/certs"
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
	baseline, nullWebhook, patchingWebhook, ownProcess, podpolicy []time.Duration
	// nullCalls and nullConns are the calls the null webhook answered and the connections
	// the API server opened to it.
	nullCalls, nullConns int64
	// calls are, for the webhooks in their own processes, what the API server measured of
	// its calls to them and what the webhook measured of answering them.
	calls map[string]*callTimes
}

// callTimes are the totals of one webhook process's admission calls, over its creates.
type callTimes struct {
	// apiServer is apiserver_admission_webhook_admission_duration_seconds: the API server's
	// call, from encoding the request to decoding the answer.
	apiServer, apiServerCalls float64
	// own is podpolicy_admission_duration_seconds (podpolicy only): the handler, from the
	// request's first byte read to its answer written.
	own, ownCalls float64
	// connections are the TCP connections to the webhook's port open after its creates.
	connections int
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
func apiServerLatency(ctx context.Context, binary, dir string, ca *certs.CA, n int) (*createLatencySet, error) {
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
	patch := []byte(`[{"op":"add","path":"/metadata/annotations/kubectl.kubernetes.io~1default-container","value":"web-server"}]`)
	patching, err := startNullWebhook(patch)
	if err != nil {
		return nil, err
	}
	defer patching.stop()
	// And the same again in a process of its own, as podpolicy is: the API server's call then
	// wakes another process, where the two above answer inside the benchmark's.
	own, ownTarget, err := startNullServer(ctx, dir+"/own-process", ca, patch)
	if err != nil {
		return nil, err
	}
	defer own.stop()
	ownBase := strings.TrimSuffix(ownTarget.url, "/validate")
	w, err := harness.StartWebhook(ctx, harness.WebhookOptions{Binary: binary, Dir: dir + "/webhook", Kubeconfig: cp.Kubeconfig})
	if err != nil {
		return nil, err
	}
	defer w.Stop()

	set := createLatencySet{calls: map[string]*callTimes{"own-process": {}, "with-podpolicy": {}}}
	setups := []webhookSetup{
		{"no-webhook", func(ctx context.Context) error { return uninstall(ctx, cp, null, patching) }, &set.baseline},
		{"null-webhook", func(ctx context.Context) error { return null.install(ctx, cp) }, &set.nullWebhook},
		{"patching-webhook", func(ctx context.Context) error { return patching.install(ctx, cp) }, &set.patchingWebhook},
		{"own-process", func(ctx context.Context) error {
			return installAndProbe(ctx, cp, ownBase+"/validate", ownBase+"/mutate", ca.CertPEM)
		}, &set.ownProcess},
		{"with-podpolicy", func(ctx context.Context) error { return cp.InstallWebhooks(ctx, w, admissionregistrationv1.Fail) }, &set.podpolicy},
	}
	for _, s := range setups {
		if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: s.namespace}}, metav1.CreateOptions{}); err != nil {
			return nil, err
		}
	}
	ports := map[string]string{"own-process": portOf(ownBase), "with-podpolicy": portOf(w.URL("/"))}
	for round := range apiServerRounds {
		for _, s := range setups {
			if err := s.install(ctx); err != nil {
				return nil, fmt.Errorf("%s: %w", s.namespace, err)
			}
			calls := set.calls[s.namespace]
			var before callTimes
			if calls != nil {
				if before, err = readCallTimes(ctx, cp, w, s.namespace == "with-podpolicy"); err != nil {
					return nil, err
				}
			}
			latencies, err := createLatencies(ctx, cp, s.namespace, fmt.Sprintf("round%d", round), n/apiServerRounds)
			if err != nil {
				return nil, err
			}
			*s.latencies = append(*s.latencies, latencies...)
			if calls != nil {
				after, err := readCallTimes(ctx, cp, w, s.namespace == "with-podpolicy")
				if err != nil {
					return nil, err
				}
				calls.add(after, before)
				calls.connections = max(calls.connections, establishedTo(ports[s.namespace]))
			}
		}
	}
	for _, s := range setups {
		slices.Sort(*s.latencies)
	}
	set.nullCalls, set.nullConns = null.calls.Load(), null.conns.Load()
	return &set, nil
}

// installAndProbe registers the webhooks at the two URLs and waits until a create passes
// through them.
func installAndProbe(ctx context.Context, cp *harness.ControlPlane, validateURL, mutateURL string, caPEM []byte) error {
	if err := cp.RegisterURLs(ctx, validateURL, mutateURL, caPEM, admissionregistrationv1.Fail); err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if err := probe(ctx, cp); err == nil {
			return nil
		}
	}
	return errors.New("the API server never called the webhooks")
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
