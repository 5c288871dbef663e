package audit

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/tools/reference"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// leaderEvents is the event recorder of the audit's leader election: a change of leader is a
// Normal Event on the audit Lease, through the audit's Notifier (none without one).
type leaderEvents struct {
	events Notifier
}

func (l leaderEvents) GetEventRecorderFor(string) record.EventRecorder { return l }

// GetEventRecorder is the events.k8s.io recorder, which client-go's leader election does not
// use.
func (leaderEvents) GetEventRecorder(string) recorder.EventRecorder { return nil }

func (l leaderEvents) Event(obj runtime.Object, eventType, reason, message string) {
	if l.events == nil {
		return
	}
	ref, err := reference.GetReference(scheme.Scheme, obj)
	if err != nil {
		return
	}
	l.events.Notify(*ref, eventType, reason, message)
}

func (l leaderEvents) Eventf(obj runtime.Object, eventType, reason, format string, args ...any) {
	l.Event(obj, eventType, reason, fmt.Sprintf(format, args...))
}

func (l leaderEvents) AnnotatedEventf(obj runtime.Object, _ map[string]string, eventType, reason, format string, args ...any) {
	l.Eventf(obj, eventType, reason, format, args...)
}
