package webhook

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// EventsOptions configure the Kubernetes Events podpolicy writes.
type EventsOptions struct {
	// Warnings: a Warning Event on each object admitted with warnings (or with an exception
	// expiring within ExpiringWithin). Denials: one on the top owner of an object a controller
	// was refused. Audit: one on an owner whose verdict the audit found turned worse, or whose
	// Report name someone else holds, and a Normal one on the audit Lease when the auditing
	// replica changes.
	Warnings, Denials, Audit bool
	// QPS and Burst bound the Events of each reason admission writes; past them they are
	// dropped and counted.
	QPS   float64
	Burst int
	// ExpiringWithin is how near its expiry an exception is told of in a warning Event.
	ExpiringWithin time.Duration
}

// EventKinds are the names --events takes.
var EventKinds = []string{"warnings", "denials", "audit"}

// SetKinds turns on the Events named in a comma-separated list of EventKinds; "none" (or an
// empty list) turns them all off.
func (e *EventsOptions) SetKinds(list string) error {
	e.Warnings, e.Denials, e.Audit = false, false, false
	for _, kind := range strings.Split(list, ",") {
		switch strings.TrimSpace(kind) {
		case "", "none":
		case "warnings":
			e.Warnings = true
		case "denials":
			e.Denials = true
		case "audit":
			e.Audit = true
		default:
			return fmt.Errorf("--events: %q is not one of %s, or none", kind, strings.Join(EventKinds, ", "))
		}
	}
	return nil
}

// Any reports whether any Events are on.
func (e *EventsOptions) Any() bool { return e.Warnings || e.Denials || e.Audit }

func (e *EventsOptions) validate() []error {
	var errs []error
	if e.QPS <= 0 {
		errs = append(errs, fmt.Errorf("--events-qps %v must be positive", e.QPS))
	}
	if e.Burst < 1 {
		errs = append(errs, fmt.Errorf("--events-burst %d must be at least 1", e.Burst))
	}
	if e.ExpiringWithin < 0 {
		errs = append(errs, errors.New("--events-expiring-exceptions must not be negative"))
	}
	return errs
}
