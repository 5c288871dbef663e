//go:build e2e

package events

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// Shape of the burst: warned Pods created as fast as burstWorkers clients can, after a
// warm-up, with Events at --events-qps and --events-burst.
const (
	burstCreates   = 1000
	warmupCreates  = 200
	burstWorkers   = 4
	burstEventsQPS = 5
	burstEventsMax = 25
	burstRounds    = 3
)

// TestEventBurstIsBoundedAndKeepsAdmissionsPace: a burst of 1,000 warned Pod creates writes a
// bounded number of Events (at most --events-burst plus --events-qps for each second of the
// burst), every one of the 1,000 either written or counted as dropped, and admission's p99
// during the bursts stays within 1.2× of the same bursts with Events off, in the same run:
// the API server calls two podpolicy processes for every request, one with Events on and
// one with Events off, so that both judge the same requests at the same moments and the
// machine's noise (two cores, other tests) falls on both. There are burstRounds bursts, each
// bounded on its own, and the p99 is over all of them: on this machine the p99 of a single
// burst of sub-millisecond requests moves by a third from run to run, either way.
func TestEventBurstIsBoundedAndKeepsAdmissionsPace(t *testing.T) {
	ctx := context.Background()
	start := func(args ...string) *harness.Webhook {
		// Every decision logged with its duration: the production logger samples a message
		// past 100 a second, and development mode does not (the JSON encoder and the info
		// level kept).
		args = append(args, "--zap-devel", "--zap-encoder=json", "--zap-log-level=info")
		w, err := suite.StartWebhook(ctx, harness.WebhookOptions{Args: args})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("podpolicy log (%v):\n%s", args, w.LogTail(20))
			}
			_ = w.Stop()
		})
		return w
	}
	on := start(fmt.Sprintf("--events-qps=%d", burstEventsQPS), fmt.Sprintf("--events-burst=%d", burstEventsMax))
	off := start("--events=none")
	t.Cleanup(func() { _ = cp.UninstallWebhooks(ctx) })
	if err := cp.InstallWebhooks(ctx, on, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
	alsoCall(t, off)

	warmup := suite.Namespace(t, nil)
	createPods(t, warmup, warmupCreates)
	if n := len(validations(t, off, warmup)); n == 0 {
		t.Fatal("the API server did not call the process with Events off during the warm-up")
	}
	var loud, quiet, client []time.Duration
	for round := 1; round <= burstRounds; round++ {
		before := waitDrained(t, on)
		ns := suite.Namespace(t, nil)
		started := time.Now()
		client = append(client, createPods(t, ns, burstCreates)...)
		elapsed := time.Since(started)
		roundOn, roundOff := allValidations(t, on, ns), allValidations(t, off, ns)
		loud, quiet = append(loud, roundOn...), append(quiet, roundOff...)
		after := waitDrained(t, on)

		written := after.written - before.written
		handled := written + after.dropped - before.dropped
		bound := burstEventsMax + int(math.Ceil(burstEventsQPS*elapsed.Seconds()))
		stored := len(withReason(fromPodpolicy(t, ns), "PolicyWarning"))
		t.Logf("burst %d: %d Events written for %d warned creates in %v (bound %d), %d stored in the namespace, %d dropped; validation p99 %v with Events, %v without",
			round, int(written), burstCreates, elapsed.Round(time.Millisecond), bound, stored, int(after.dropped-before.dropped),
			percentile(roundOn, 0.99), percentile(roundOff, 0.99))
		if int(written) > bound || written < 1 || stored != int(written) {
			t.Errorf("burst %d: %v Events written, %d stored; want between 1 and %d, all stored", round, written, stored, bound)
		}
		if int(handled) != burstCreates {
			t.Errorf("burst %d: written plus dropped is %v, want every one of the %d warned creates", round, handled, burstCreates)
		}
	}
	p99On, p99Off := percentile(loud, 0.99), percentile(quiet, 0.99)
	ratio := float64(p99On) / float64(p99Off)
	t.Logf("validation p99 of the same %d creates: %v with Events, %v without: %.2f× (median %v and %v; the creates' p99 through the API server %v)",
		len(loud), p99On, p99Off, ratio, percentile(loud, 0.5), percentile(quiet, 0.5), percentile(client, 0.99))
	if ratio > 1.2 {
		t.Errorf("the validation p99 with Events is %.2f× the p99 without, want at most 1.2×", ratio)
	}
}

// alsoCall adds w to both webhook configurations, beside the process they call: every Pod
// create is then judged and mutated by both.
func alsoCall(t *testing.T, w *harness.Webhook) {
	t.Helper()
	ctx := context.Background()
	api := cp.Client.AdmissionregistrationV1()
	validating, err := api.ValidatingWebhookConfigurations().Get(ctx, harness.ConfigurationName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	second := *validating.Webhooks[0].DeepCopy()
	second.Name, second.ClientConfig.URL, second.ClientConfig.CABundle = "quiet."+second.Name, new(w.URL("/validate")), w.CA.CertPEM
	validating.Webhooks = append(validating.Webhooks, second)
	if _, err := api.ValidatingWebhookConfigurations().Update(ctx, validating, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mutating, err := api.MutatingWebhookConfigurations().Get(ctx, harness.ConfigurationName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secondMutation := *mutating.Webhooks[0].DeepCopy()
	secondMutation.Name, secondMutation.ClientConfig.URL, secondMutation.ClientConfig.CABundle = "quiet."+secondMutation.Name, new(w.URL("/mutate")), w.CA.CertPEM
	mutating.Webhooks = append(mutating.Webhooks, secondMutation)
	if _, err := api.MutatingWebhookConfigurations().Update(ctx, mutating, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The API server picks the configurations up asynchronously.
	deadline := time.Now().Add(30 * time.Second)
	for probe := suite.Namespace(t, nil); len(validations(t, w, probe)) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the API server did not call the second podpolicy within 30 s")
		}
		_, _ = cp.Client.CoreV1().Pods(probe).Create(ctx, warnedPod(t, probe, "probe"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		time.Sleep(200 * time.Millisecond)
	}
}

// allValidations waits until w has logged a validation of each of the burst's creates in ns
// (podpolicy logs a decision after it has answered) and returns their durations.
func allValidations(t *testing.T, w *harness.Webhook, ns string) []time.Duration {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	got := validations(t, w, ns)
	for len(got) < burstCreates && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		got = validations(t, w, ns)
	}
	if len(got) != burstCreates {
		t.Fatalf("%d validations of the burst in podpolicy's log, want %d", len(got), burstCreates)
	}
	return got
}

// createPods creates n warned Pods in ns with burstWorkers clients and returns each create's
// duration; every one must be admitted.
func createPods(t *testing.T, ns string, n int) []time.Duration {
	t.Helper()
	durations := make([]time.Duration, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for worker := range burstWorkers {
		wg.Go(func() {
			for i := worker; i < n; i += burstWorkers {
				pod := warnedPod(t, ns, fmt.Sprintf("burst-%d", i))
				start := time.Now()
				_, err := cp.Client.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{})
				durations[i] = time.Since(start)
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d warned creates failed, the first: %s", len(failures), n, failures[0])
	}
	return durations
}

// validations are the durations podpolicy logged for its validations in ns.
func validations(t *testing.T, w *harness.Webhook, ns string) []time.Duration {
	t.Helper()
	var out []time.Duration
	scanner := bufio.NewScanner(strings.NewReader(w.Log()))
	scanner.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for scanner.Scan() {
		var line struct {
			Msg, Webhook, Namespace string
			Duration                float64
		}
		if json.Unmarshal(scanner.Bytes(), &line) != nil || line.Msg != "admission decision" || line.Webhook != "validate" || line.Namespace != ns {
			continue
		}
		out = append(out, time.Duration(line.Duration*float64(time.Second)))
	}
	return out
}

// counts are a process's Events so far: written, and dropped for any reason.
type counts struct{ written, dropped float64 }

func eventCounts(t *testing.T, w *harness.Webhook) counts {
	t.Helper()
	c := counts{written: metric(t, w, `podpolicy_events_written_total{event="PolicyWarning"}`)}
	for _, reason := range []string{"rate_limited", "queue_full", "object_rate_limited", "not_stored", "unresolved", "forbidden", "throttled", "write_failed", "shutdown"} {
		c.dropped += metric(t, w, `podpolicy_events_dropped_total{reason="`+reason+`"}`)
	}
	return c
}

// waitDrained waits until w has no Event queued and its counts stop changing (the last
// Events wait up to 7 s for their objects), and returns them.
func waitDrained(t *testing.T, w *harness.Webhook) counts {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	last := eventCounts(t, w)
	for {
		time.Sleep(2 * time.Second)
		now := eventCounts(t, w)
		if now == last && metric(t, w, "podpolicy_events_queued") == 0 {
			return now
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Events did not drain in 60 s: %+v", now)
		}
		last = now
	}
}

// percentile returns the q-quantile of durations (nearest rank).
func percentile(durations []time.Duration, q float64) time.Duration {
	sorted := slices.Clone(durations)
	slices.Sort(sorted)
	return sorted[int(math.Ceil(q*float64(len(sorted))))-1]
}
