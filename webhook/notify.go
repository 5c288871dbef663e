package webhook

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/policies/owners"
	"github.com/podpolicy/podpolicy/webhook/events"
)

// Reasons of the Events admission emits.
const (
	// ReasonWarning is on an object admitted with warnings.
	ReasonWarning = "PolicyWarning"
	// ReasonDenied is on the top owner of an object podpolicy refused its controller.
	ReasonDenied = "PolicyDenied"
)

// Emitter queues Events without waiting; *events.Recorder is the real one.
type Emitter interface {
	Emit(events.Event)
}

// Notifications configure the Events admission emits; the zero value emits none.
type Notifications struct {
	// Sink queues the Events; nil turns them off.
	Sink Emitter
	// Warnings puts a Warning Event on each object admitted with warnings (a warn rule, a
	// warn-mode namespace, a rule before its enforceFrom) or with an exception expiring within
	// ExpiringWithin, unless its controller created it with verified owners (the owner had
	// the Event when it was applied).
	Warnings bool
	// Denials puts a Warning Event on the top owner (the Deployment, the CronJob, the Rollout)
	// of an object that a controller was refused.
	Denials bool
	// ExpiringWithin is how near its expiry an exception waiving a violation is told of.
	ExpiringWithin time.Duration
	// Lookup reads objects for the Events' workers: whether an admitted object was stored, and
	// the owners of a refused one whose chain admission could not verify. It has a client of
	// its own, so that Events never take from admission's requests to the API server.
	Lookup OwnerLookup
}

// notify emits the Events of one decided request: a Warning on an object admitted with
// warnings, or one on the top owner of an object refused its controller. A dry run emits none:
// nothing was stored, and GitOps tools dry-run every sync.
func (v *validator) notify(req *admissionRequest, verdict *policies.Verdict, resp *admissionv1.AdmissionResponse, chain []owners.Ref, chainErr error) {
	n := &v.events
	if n.Sink == nil || req.DryRun != nil && *req.DryRun {
		return
	}
	if !resp.Allowed {
		if n.Denials {
			v.notifyDenied(req, verdict, chain, chainErr)
		}
		return
	}
	if !n.Warnings || len(chain) > 0 {
		return
	}
	now := time.Now()
	if len(resp.Warnings) == 0 && len(expiring(verdict, n.ExpiringWithin, now)) == 0 {
		return
	}
	ref := regarding(req)
	// The text is made on a worker: most Events of a burst are dropped by their rate, and
	// admission spends nothing on them.
	window, lines := n.ExpiringWithin, resp.Warnings
	describe := func() string {
		header := ref.Kind + " " + strconv.Quote(ref.Name) + " was admitted with warnings"
		if verdict.Mode == string(policies.Warn) {
			header += " (namespace " + ref.Namespace + " has " + policies.ModeLabel + "=warn: these rules deny elsewhere)"
		}
		return header + ":\n" + strings.Join(warnings(verdict, lines, window, now), "\n")
	}
	e := events.Event{Regarding: ref, Type: corev1.EventTypeWarning, Reason: ReasonWarning, Describe: describe}
	if req.Operation == admissionv1.Create {
		e.Resolve = stored(n.Lookup, ref, time.Now())
	}
	n.Sink.Emit(e)
}

// warnings are the lines of a warning Event: each warn violation (with its enforceFrom date)
// and each violation an exception waives until a date within window of now, or the
// response's warning of an object with no pod template of its own.
func warnings(verdict *policies.Verdict, responseWarnings []string, window time.Duration, now time.Time) []string {
	if verdict.Object.NoTemplate != nil {
		return responseWarnings
	}
	var lines []string
	for i := range verdict.Violations {
		if v := &verdict.Violations[i]; v.Action == policies.Warn {
			lines = append(lines, v.String())
		}
	}
	return append(lines, expiring(verdict, window, now)...)
}

// expiring lists the violations that exceptions waive until a date within window of now,
// saying what happens from then.
func expiring(verdict *policies.Verdict, window time.Duration, now time.Time) []string {
	var lines []string
	for i := range verdict.Excepted {
		e := &verdict.Excepted[i]
		if e.Expires == "" {
			continue
		}
		at, err := config.ParseDate(e.Expires)
		if err != nil || at.Sub(now) > window {
			continue
		}
		v := e.Violation
		v.EnforceFrom = ""
		lines = append(lines, fmt.Sprintf("%s; an exception waives it until %s (%s), then it is %s", v.String(), e.Expires, e.Reason, actionFrom(v.Action)))
	}
	return lines
}

// actionFrom says what a violation leads to, as a past participle.
func actionFrom(a policies.Action) string {
	switch a {
	case policies.Deny:
		return "denied"
	case policies.Warn:
		return "warned"
	default:
		return "audited"
	}
}

// regarding is the object of a request as an Event's involvedObject: its name and the UID
// the API server gave it (at a CREATE, the UID it will have if it is stored).
func regarding(req *admissionRequest) corev1.ObjectReference {
	var r normalize.Reader
	meta := r.Object(req.Object, "metadata", "")
	apiVersion := req.Kind.Version
	if req.Kind.Group != "" {
		apiVersion = req.Kind.Group + "/" + apiVersion
	}
	ref := corev1.ObjectReference{
		APIVersion: apiVersion, Kind: req.Kind.Kind, Namespace: req.Namespace,
		Name: r.String(meta, "name", "metadata"), UID: types.UID(r.String(meta, "uid", "metadata")),
	}
	if ref.Name == "" {
		ref.Name = req.Name
	}
	return ref
}
