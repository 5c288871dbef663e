package events

import (
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record/util"
)

// MaxMessageBytes bounds an Event's message: the limit the API server sets on an
// events.k8s.io note, which kubectl and the GitOps tools show whole.
const MaxMessageBytes = 1024

// failureLogInterval is how often a failing write is logged for each reason it fails for:
// with RBAC missing every write fails, and one line a minute says so.
const failureLogInterval = time.Minute

// write correlates one Event with those written before (client-go's aggregation, counting and
// per-object rate) and writes it once: created, or patched when it repeats one written before.
// A write that fails is dropped and counted, never retried.
func (r *Recorder) write(e Event) {
	now := metav1.Now()
	namespace := e.Regarding.Namespace
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	event := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: util.GenerateEventName(e.Regarding.Name, now.UnixNano()), Namespace: namespace},
		InvolvedObject: e.Regarding,
		Reason:         e.Reason,
		Message:        Clip(e.Message, MaxMessageBytes),
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		Type:                e.Type,
		Source:              corev1.EventSource{Component: Component, Host: r.opts.Instance},
		ReportingController: Component,
		ReportingInstance:   r.opts.Instance,
	}
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	result, err := r.correlator.EventCorrelate(event)
	if err != nil {
		// The correlator could not make a patch against the Event written before; the Event it
		// returns is still whole, and is created.
		r.log.V(1).Info("event correlation failed", "eventReason", e.Reason, "error", err.Error())
	}
	if result.Skip {
		r.metrics.drop(DropObjectRateLimited)
		return
	}
	written, err := r.put(result.Event, result.Patch)
	if err != nil {
		reason := writeFailure(err)
		r.metrics.drop(reason)
		r.logFailure(reason, e, err)
		return
	}
	r.correlator.UpdateState(written)
	r.metrics.written(e.Reason)
}

// put creates event, or patches the Event it repeats (its Count is above 1), creating it when
// that one is gone.
func (r *Recorder) put(event *corev1.Event, patch []byte) (*corev1.Event, error) {
	if event.Count > 1 {
		written, err := r.sink.Patch(event, patch)
		if !util.IsKeyNotFoundError(err) {
			return written, err
		}
	}
	event.ResourceVersion = ""
	return r.sink.Create(event)
}

// writeFailure names why a write failed, as podpolicy_events_dropped_total counts it.
func writeFailure(err error) string {
	switch {
	case apierrors.IsForbidden(err):
		return DropForbidden
	case apierrors.IsTooManyRequests(err):
		return DropThrottled
	default:
		return DropWriteFailed
	}
}

// logFailure logs a failed write, at most once a failureLogInterval for each reason.
func (r *Recorder) logFailure(reason string, e Event, err error) {
	if last, ok := r.logged[reason]; ok && time.Since(last) < failureLogInterval {
		return
	}
	r.logged[reason] = time.Now()
	r.log.Error(err, "event not written; dropped (logged once a minute for each reason)", "dropReason", reason,
		"eventReason", e.Reason, "kind", e.Regarding.Kind, "namespace", e.Regarding.Namespace, "name", e.Regarding.Name)
}

// Clip shortens s to at most n bytes, on a character boundary, ending it with "…" when it cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
