package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// auditWindow is when one audit of serve ran, from its "audit done" log line.
type auditWindow struct {
	start, end time.Time
	duration   time.Duration
}

// auditsOf reads serve's log for the audits it completed.
func auditsOf(w *harness.Webhook) []auditWindow {
	f, err := os.Open(w.LogPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []auditWindow
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var line struct {
			TS       time.Time `json:"ts"`
			Msg      string    `json:"msg"`
			Duration string    `json:"duration"`
		}
		if json.Unmarshal(scanner.Bytes(), &line) != nil || line.Msg != "audit done" {
			continue
		}
		d, err := time.ParseDuration(line.Duration)
		if err != nil {
			continue
		}
		// serve's log times are whole seconds, truncated: the audit ended within the second
		// after ts. The window covers that whole second, so that no request sent while an
		// audit ran is counted as quiet.
		out = append(out, auditWindow{start: line.TS.Add(-d), end: line.TS.Add(time.Second), duration: d})
	}
	return out
}

// waitForAudit waits until serve's log holds n complete audits, and returns them.
func waitForAudit(ctx context.Context, w *harness.Webhook, n int, timeout time.Duration) ([]auditWindow, error) {
	deadline := time.Now().Add(timeout)
	for {
		if audits := auditsOf(w); len(audits) >= n {
			return audits, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("serve completed fewer than %d audits within %v:\n%s", n, timeout, w.LogTail(20))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func duringAny(at time.Time, windows []auditWindow) bool {
	for _, w := range windows {
		if !at.Before(w.start) && !at.After(w.end) {
			return true
		}
	}
	return false
}

// metricValue returns one sample of serve's metrics, or -1 when absent.
func metricValue(w *harness.Webhook, sample string) float64 {
	resp, err := http.Get(w.MetricsURL())
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// jsonObject is an object of a list with its JSON as the API server sent it.
type jsonObject struct {
	raw      []byte
	Metadata struct{ Name, Namespace string }
}

func (o *jsonObject) UnmarshalJSON(data []byte) error {
	o.raw = append([]byte(nil), data...)
	var m struct {
		Metadata struct{ Name, Namespace string }
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	o.Metadata = m.Metadata
	return nil
}
