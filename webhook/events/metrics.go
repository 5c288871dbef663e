package events

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Why an Event was dropped, as podpolicy_events_dropped_total{reason} counts it.
const (
	// DropRateLimited: over the rate of its reason (--events-qps, --events-burst).
	DropRateLimited = "rate_limited"
	// DropQueueFull: the queue was full.
	DropQueueFull = "queue_full"
	// DropObjectRateLimited: client-go's correlator refused it, over the rate of Events about
	// its object (a burst of 25, then one every 5 minutes).
	DropObjectRateLimited = "object_rate_limited"
	// DropNotStored: its object was not stored with the UID admission saw, within the wait.
	DropNotStored = "not_stored"
	// DropUnresolved: its object could not be read (an error other than not found).
	DropUnresolved = "unresolved"
	// DropForbidden: the API server refused the write for want of RBAC.
	DropForbidden = "forbidden"
	// DropThrottled: the API server answered 429 Too Many Requests.
	DropThrottled = "throttled"
	// DropWriteFailed: any other failed write (unreachable, a timeout, a refusal).
	DropWriteFailed = "write_failed"
	// DropShutdown: still queued when podpolicy stopped.
	DropShutdown = "shutdown"
)

// DropReasons are every reason an Event is dropped for.
var DropReasons = []string{DropRateLimited, DropQueueFull, DropObjectRateLimited, DropNotStored, DropUnresolved, DropForbidden, DropThrottled, DropWriteFailed, DropShutdown}

// Metrics count the Events written and dropped.
type Metrics struct {
	Written *prometheus.CounterVec
	Dropped *prometheus.CounterVec
	// Queued is the number of Events waiting for a worker; set by the Recorder.
	Queued prometheus.GaugeFunc

	length atomic.Pointer[func() int]
}

// NewMetrics creates the metrics of Events and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podpolicy_events_written_total",
			Help: "Kubernetes Events written (created, or patched when they repeat one), by the Event's reason.",
		}, []string{"event"}),
		Dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "podpolicy_events_dropped_total",
			Help: "Kubernetes Events not written, by why: rate_limited, queue_full, object_rate_limited, not_stored, unresolved, forbidden, throttled, write_failed, shutdown.",
		}, []string{"reason"}),
	}
	m.Queued = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "podpolicy_events_queued",
		Help: "Kubernetes Events waiting to be written.",
	}, func() float64 {
		if length := m.length.Load(); length != nil {
			return float64((*length)())
		}
		return 0
	})
	for _, reason := range DropReasons {
		m.Dropped.WithLabelValues(reason)
	}
	for _, c := range []prometheus.Collector{m.Written, m.Dropped, m.Queued} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) drop(reason string)       { m.Dropped.WithLabelValues(reason).Inc() }
func (m *Metrics) written(event string)     { m.Written.WithLabelValues(event).Inc() }
func (m *Metrics) queued(length func() int) { m.length.Store(&length) }
