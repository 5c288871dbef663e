package events

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func newTestRecorder(t *testing.T, opts Options) (*Recorder, *Metrics) {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	// No sink and no workers: what Emit keeps stays queued, and nothing is written.
	return New(nil, opts, m, logr.Discard()), m
}

// TestEmitNeverWaits: past its reason's burst an Event is dropped as rate_limited, past the
// queue's size as queue_full, each counted, and Emit returns at once either way; an Event
// sent once per change (the audit's) is bounded by the queue alone; reasons have buckets of
// their own.
func TestEmitNeverWaits(t *testing.T) {
	r, m := newTestRecorder(t, Options{QPS: 0.001, Burst: 3, QueueSize: 5})
	warning := Event{Type: corev1.EventTypeWarning, Reason: "PolicyWarning", Regarding: corev1.ObjectReference{Kind: "Pod", Name: "web"}}
	for range 10 {
		r.Emit(warning)
	}
	denied := warning
	denied.Reason = "PolicyDenied"
	r.Emit(denied)
	once := warning
	once.Reason, once.Once = "PolicyViolation", true
	for range 4 {
		r.Emit(once)
	}
	for reason, want := range map[string]float64{DropRateLimited: 7, DropQueueFull: 3} {
		if got := value(t, m.Dropped.WithLabelValues(reason)); got != want {
			t.Errorf("dropped %s: %v, want %v", reason, got, want)
		}
	}
	if got := value(t, m.Queued); got != 5 {
		t.Errorf("queued %v, want 5 (3 warnings, 1 denial, 1 of the audit's)", got)
	}
	var nilRecorder *Recorder
	nilRecorder.Emit(warning)
}

// value reads a counter's or a gauge's value.
func value(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func TestClipCutsOnACharacterBoundary(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 7, "éé…"},
	} {
		if got := Clip(tc.in, tc.n); got != tc.want || len(got) > tc.n {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	if got := Clip(strings.Repeat("x", 5000), MaxMessageBytes); len(got) > MaxMessageBytes {
		t.Errorf("clipped to %d bytes, want at most %d", len(got), MaxMessageBytes)
	}
}

// TestWriteFailuresAreNamed: a write the API server refuses for want of RBAC, one it throttles
// and any other failure are told apart in podpolicy_events_dropped_total.
func TestWriteFailuresAreNamed(t *testing.T) {
	events := schema.GroupResource{Resource: "events"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{apierrors.NewForbidden(events, "", errors.New("RBAC: no create")), DropForbidden},
		{apierrors.NewTooManyRequests("slow down", 1), DropThrottled},
		{apierrors.NewGenericServerResponse(http.StatusServiceUnavailable, "POST", events, "", "down", 0, false), DropWriteFailed},
		{errors.New("connection refused"), DropWriteFailed},
	} {
		if got := writeFailure(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}
