//go:build e2e

package faults

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestSIGTERMDrainsWithoutFailures sends SIGTERM to a podpolicy under load: for the shutdown
// delay it keeps answering while /readyz reports not ready (so the Service stops routing to
// it), then drains in-flight requests, closes idle keep-alive connections and exits 0. No
// request fails.
func TestSIGTERMDrainsWithoutFailures(t *testing.T) {
	ctx := context.Background()
	w, err := startWebhook(ctx, harness.WebhookOptions{Args: []string{"--shutdown-delay=3s"}})
	if err != nil {
		t.Fatal(err)
	}
	body := review(t, "CREATE", fixedPodJSON(t))
	client := w.Client()
	var sent, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				resp, err := client.Post(w.URL("/validate"), "application/json", bytes.NewReader(body))
				if err != nil {
					failed.Add(1)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	termAt := time.Now()
	if err := syscallTerm(w); err != nil {
		t.Fatal(err)
	}
	notReady := waitFor(t, "/readyz reports not ready after SIGTERM", 2*time.Second, func() bool { return !w.Ready() })
	// The load stops within the shutdown delay, as the endpoints controller would stop
	// routing to a pod that is not ready.
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	select {
	case <-w.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("podpolicy did not exit within 10s of the shutdown delay")
	}
	exitedAfter := time.Since(termAt)
	t.Logf("SIGTERM under load: %d requests sent, %d failed; not ready %v after SIGTERM; exited %v after SIGTERM (delay 3s)",
		sent.Load(), failed.Load(), notReady.Round(time.Millisecond), exitedAfter.Round(time.Millisecond))
	if failed.Load() != 0 || sent.Load() == 0 {
		t.Errorf("%d of %d requests failed during the drain", failed.Load(), sent.Load())
	}
	if err := w.Stop(); err != nil {
		t.Errorf("podpolicy did not exit cleanly: %v", err)
	}
	if exitedAfter > 5*time.Second {
		t.Errorf("drain took %v: idle keep-alive connections were not closed", exitedAfter)
	}
}

func syscallTerm(w *harness.Webhook) error { return w.Signal(syscall.SIGTERM) }
