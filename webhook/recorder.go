package webhook

import (
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/podpolicy/podpolicy/webhook/events"
)

// eventsRequestTimeout bounds one request of the Events' client: a write that hangs is
// dropped, not waited for.
const eventsRequestTimeout = 10 * time.Second

// newRecorder returns the Events' recorder, with a client of its own (its own rate limit: an
// Event may take a write and up to three reads, and never takes from admission's), and the
// lookup its workers read objects with. Run must be started.
func newRecorder(cfg *rest.Config, o EventsOptions, log logr.Logger) (*events.Recorder, OwnerLookup, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst, cfg.Timeout = float32(4*o.QPS), 4*o.Burst, eventsRequestTimeout
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("events client: %w", err)
	}
	live, err := client.New(cfg, client.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("events client: %w", err)
	}
	metrics, err := events.NewMetrics(ctrlmetrics.Registry)
	if err != nil {
		return nil, nil, fmt.Errorf("register events metrics: %w", err)
	}
	instance := os.Getenv("POD_NAME")
	if instance == "" {
		instance, _ = os.Hostname()
	}
	sink := &typedcorev1.EventSinkImpl{Interface: clientset.CoreV1().Events("")}
	rec := events.New(sink, events.Options{QPS: o.QPS, Burst: o.Burst, Instance: instance}, metrics, log)
	return rec, NewLiveLookup(live), nil
}

// auditEvents passes the audit's Events to the recorder, each once per change: bounded by
// the changes and the queue, not by admission's rates.
type auditEvents struct{ sink Emitter }

func (a auditEvents) Notify(regarding corev1.ObjectReference, eventType, reason, message string) {
	a.sink.Emit(events.Event{Regarding: regarding, Type: eventType, Reason: reason, Message: message, Once: true})
}
