package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// target is one server under load: where to POST and what a good answer is.
type target struct {
	name string
	url  string
	pid  int
	// client speaks HTTP/1.1 with keep-alive to the server, trusting its CA.
	client *http.Client
}

func newClient(ca *x509.Certificate, conns int) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1 for both servers
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// result is the outcome of one load phase.
type result struct {
	phase      string
	sent       int
	errors     int
	duration   time.Duration
	latencies  []time.Duration
	cpuSeconds float64
}

func (r result) throughput() float64 {
	return float64(r.sent-r.errors) / r.duration.Seconds()
}

func (r result) percentile(p float64) time.Duration { return percentile(r.latencies, p) }

// percentile is the p-th quantile of sorted latencies (0 when there are none).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

func (r result) cpuPer1000() float64 {
	if r.sent == 0 {
		return 0
	}
	return r.cpuSeconds / float64(r.sent) * 1000
}

// post sends one body and reports whether the server answered 200 with an AdmissionReview.
func post(ctx context.Context, t *target, body []byte) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return false
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return err == nil && resp.StatusCode == http.StatusOK && bytes.Contains(data, []byte(`"AdmissionReview"`))
}

// openLoop sends bodies (round robin) at a fixed arrival rate for d. Latency is measured from
// each request's scheduled time, so a server that falls behind is charged for the queueing
// (no coordinated omission).
func openLoop(ctx context.Context, t *target, bodies [][]byte, rate int, d time.Duration) result {
	cpuBefore := harness.CPUSeconds(t.pid)
	start := time.Now()
	_, latencies, errors := timedOpenLoop(ctx, t, bodies, rate, d)
	elapsed := time.Since(start)
	slices.Sort(latencies)
	return result{phase: fmt.Sprintf("%d req/s", rate), sent: len(latencies), errors: errors, duration: elapsed,
		latencies: latencies, cpuSeconds: harness.CPUSeconds(t.pid) - cpuBefore}
}

// timedOpenLoop is openLoop's load: it returns each request's scheduled time and latency, in
// the order sent, and the number of failed requests.
func timedOpenLoop(ctx context.Context, t *target, bodies [][]byte, rate int, d time.Duration) ([]time.Time, []time.Duration, int) {
	n := int(float64(rate) * d.Seconds())
	latencies := make([]time.Duration, n)
	scheduledAt := make([]time.Time, n)
	var errors atomic.Int64
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 512)
	for i := range n {
		scheduled := start.Add(time.Duration(i) * interval)
		scheduledAt[i] = scheduled
		if wait := time.Until(scheduled); wait > 0 {
			time.Sleep(wait)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if !post(ctx, t, bodies[i%len(bodies)]) {
				errors.Add(1)
			}
			latencies[i] = time.Since(scheduled)
		}()
	}
	wg.Wait()
	return scheduledAt, latencies, int(errors.Load())
}

// closedLoop keeps workers requests in flight for d: the server's saturation throughput.
func closedLoop(ctx context.Context, t *target, bodies [][]byte, workers int, d time.Duration) result {
	var mu sync.Mutex
	var latencies []time.Duration
	var sent, errors atomic.Int64
	cpuBefore := harness.CPUSeconds(t.pid)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for i := w; time.Now().Before(deadline); i += workers {
				begin := time.Now()
				sent.Add(1)
				if !post(ctx, t, bodies[i%len(bodies)]) {
					errors.Add(1)
				}
				local = append(local, time.Since(begin))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	return result{phase: fmt.Sprintf("saturation (%d in flight)", workers), sent: int(sent.Load()), errors: int(errors.Load()),
		duration: elapsed, latencies: latencies, cpuSeconds: harness.CPUSeconds(t.pid) - cpuBefore}
}
