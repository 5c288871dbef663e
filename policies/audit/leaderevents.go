package audit

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// noEvents is the event recorder of the audit's leader election: a change of leader is logged
// by the auditor, not written as an Event (podpolicy's RBAC grants no event writes).
type noEvents struct{}

func (noEvents) GetEventRecorderFor(string) record.EventRecorder { return noEvents{} }

func (noEvents) GetEventRecorder(string) recorder.EventRecorder { return nil }

func (noEvents) Event(runtime.Object, string, string, string) {}

func (noEvents) Eventf(runtime.Object, string, string, string, ...any) {}

func (noEvents) AnnotatedEventf(runtime.Object, map[string]string, string, string, string, ...any) {}
