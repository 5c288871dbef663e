// Package events writes podpolicy's Kubernetes Events: what admission warned about, what it
// refused a controller, what the audit found changed. GitOps tools (Argo CD, Flux) show a
// resource's Events and never the API server's Warning headers, so an Event on the object is
// how their users learn of a warning before it becomes a denial.
//
// Events never hold a request: Emit puts one into a bounded queue without waiting, and
// background workers write it through client-go's event correlator (which aggregates similar
// Events of an object and limits each object's rate). An Event that cannot be queued or
// written (the queue full, over its rate, its object never stored, RBAC missing, the API
// server throttling) is dropped and counted in podpolicy_events_dropped_total{reason}, never
// retried.
package events

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
)

// Event is one Event to write.
type Event struct {
	// Regarding is the object the Event is about (its involvedObject); Resolve, when set,
	// finds it instead.
	Regarding corev1.ObjectReference
	// Type is corev1.EventTypeWarning or corev1.EventTypeNormal.
	Type string
	// Reason is short and UpperCamelCase (PolicyWarning); Message says what happened, in the
	// user's own values.
	Reason, Message string
	// Describe, when set, makes the Message on a worker, once the Event got past its rate
	// and into the queue: the request that emitted it spends nothing on the text.
	Describe func() string
	// Once marks an Event sent once per change (the audit's): it is bounded by the changes
	// and the queue, not by the rate of its reason.
	Once bool
	// Resolve, when set, runs on a worker before the Event is written and returns the object
	// it is about: it may wait, within a bound of its own, for an object admission has just
	// let through to be stored. An error drops the Event (ErrNotStored as not_stored, any
	// other as unresolved).
	Resolve func(ctx context.Context) (corev1.ObjectReference, error)
}

// ErrNotStored is what Resolve returns for an object that was not stored with the UID
// admission saw: refused after podpolicy let it through (by another webhook, a quota), a
// name already taken, or a request that was never sent. No Event names an object that does
// not exist.
var ErrNotStored = errors.New("the object was not stored")

// Options configure a Recorder.
type Options struct {
	// QPS and Burst bound the Events of each reason (a token bucket per reason) that are not
	// Once; past them, Events are dropped as rate_limited.
	QPS   float64
	Burst int
	// QueueSize bounds the Events waiting for a worker; 1000 when zero.
	QueueSize int
	// Workers write Events concurrently (each may wait in Resolve); 4 when zero.
	Workers int
	// Instance names this replica in each Event (source.host, reportingInstance).
	Instance string
}

// Component is the source.component and reportingController of podpolicy's Events.
const Component = "podpolicy"

// Recorder queues Events and writes them in the background. A nil *Recorder drops nothing
// and writes nothing: Events are off.
type Recorder struct {
	opts    Options
	queue   chan Event
	sink    record.EventSink
	metrics *Metrics
	log     logr.Logger

	limitMu sync.Mutex
	limits  map[string]flowcontrol.RateLimiter

	// writeMu serializes the correlator and the writes, as client-go's broadcaster does with
	// its one goroutine, so that counts and patches follow the order of the writes.
	writeMu    sync.Mutex
	correlator *record.EventCorrelator
	logged     map[string]time.Time
}

// New returns a Recorder that writes Events through sink (in a cluster, a
// k8s.io/client-go/kubernetes/typed/core/v1.EventSinkImpl). Run starts its workers.
func New(sink record.EventSink, opts Options, metrics *Metrics, log logr.Logger) *Recorder {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	r := &Recorder{
		opts: opts, queue: make(chan Event, opts.QueueSize), sink: sink, metrics: metrics, log: log,
		limits: map[string]flowcontrol.RateLimiter{}, logged: map[string]time.Time{},
		correlator: record.NewEventCorrelatorWithOptions(record.CorrelatorOptions{}),
	}
	metrics.queued(func() int { return len(r.queue) })
	return r
}

// Emit queues e without waiting: an Event over its reason's rate, or that finds the queue
// full, is dropped and counted.
func (r *Recorder) Emit(e Event) {
	if r == nil {
		return
	}
	if !e.Once && !r.limiter(e.Reason).TryAccept() {
		r.metrics.drop(DropRateLimited)
		return
	}
	select {
	case r.queue <- e:
	default:
		r.metrics.drop(DropQueueFull)
	}
}

// limiter returns the token bucket of a reason.
func (r *Recorder) limiter(reason string) flowcontrol.RateLimiter {
	r.limitMu.Lock()
	defer r.limitMu.Unlock()
	l, ok := r.limits[reason]
	if !ok {
		l = flowcontrol.NewTokenBucketRateLimiter(float32(r.opts.QPS), max(1, r.opts.Burst))
		r.limits[reason] = l
	}
	return l
}

// Run writes queued Events until ctx ends; the Events still queued then are dropped as
// shutdown.
func (r *Recorder) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range r.opts.Workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case e := <-r.queue:
					r.handle(ctx, e)
				}
			}
		})
	}
	wg.Wait()
	for {
		select {
		case <-r.queue:
			r.metrics.drop(DropShutdown)
		default:
			return
		}
	}
}

// handle resolves the object of one Event and writes it.
func (r *Recorder) handle(ctx context.Context, e Event) {
	if e.Resolve != nil {
		ref, err := e.Resolve(ctx)
		if err != nil {
			reason := DropUnresolved
			if errors.Is(err, ErrNotStored) {
				reason = DropNotStored
			}
			r.metrics.drop(reason)
			r.log.V(1).Info("event dropped: its object was not found", "eventReason", e.Reason, "kind", e.Regarding.Kind,
				"namespace", e.Regarding.Namespace, "name", e.Regarding.Name, "dropReason", reason, "error", err.Error())
			return
		}
		e.Regarding = ref
	}
	if e.Describe != nil {
		e.Message = e.Describe()
	}
	r.write(e)
}
