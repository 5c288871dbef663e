package doctor

import (
	"context"
	"fmt"
	"math"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// checkFailurePolicy: validate.podpolicy.io and mode-guard.podpolicy.io fail closed. With
// Ignore, whatever podpolicy does not answer in time (down, slow, its certificate not trusted)
// is admitted unchecked.
func checkFailurePolicy(_ context.Context, in *install) ([]Finding, error) {
	var out []Finding
	if w, i := in.validatingWebhook(validateWebhook); w != nil && !failsClosed(w.FailurePolicy) {
		out = append(out, Finding{
			Severity: Critical, Object: in.validatingObject(), Field: fmt.Sprintf("webhooks[%d].failurePolicy", i),
			Message: fmt.Sprintf("%s has failurePolicy %s: whenever podpolicy does not answer (down, slower than timeoutSeconds, its certificate not trusted), the API server admits Pods and workloads unchecked", validateWebhook, *w.FailurePolicy),
			Fix:     "set failurePolicy: Fail (helm: --set webhook.validating.failurePolicy=Fail)",
		})
	}
	if w, i := in.validatingWebhook(guardWebhook); w != nil && !failsClosed(w.FailurePolicy) {
		out = append(out, Finding{
			Severity: High, Object: in.validatingObject(), Field: fmt.Sprintf("webhooks[%d].failurePolicy", i),
			Message: fmt.Sprintf("%s has failurePolicy %s: whenever podpolicy does not answer, anyone who may label a Namespace changes its guarded labels (podpolicy.io/mode) unchecked, unless the ValidatingAdmissionPolicy guards them", guardWebhook, *w.FailurePolicy),
			Fix:     "set failurePolicy: Fail (the chart always renders Fail; helm upgrade of the release restores it)",
		})
	}
	return out, nil
}

// checkTimeout: the API server waits longer for podpolicy (timeoutSeconds) than podpolicy gives
// one evaluation (--eval-timeout), so that a slow evaluation ends in podpolicy's own answer
// rather than in the API server giving up.
func checkTimeout(_ context.Context, in *install) ([]Finding, error) {
	var out []Finding
	eval := in.serve.evalTimeout
	judge := func(obj Object, name string, i int, seconds *int32, severity Severity, outcome string) {
		timeout := int32(10) // the default of admissionregistration.k8s.io/v1
		if seconds != nil {
			timeout = *seconds
		}
		if time.Duration(timeout)*time.Second > eval {
			return
		}
		least := minTimeout(eval)
		fix := fmt.Sprintf("set timeoutSeconds to %d or more (helm: --set webhook.timeoutSeconds=%d)", least, least)
		if least > 30 {
			fix = "lower --eval-timeout well below 30s (helm: --set evalTimeout=2s), then set timeoutSeconds above it (30 at most)"
		} else if timeout >= 2 {
			fix += fmt.Sprintf(", or lower --eval-timeout to %ds (helm: --set evalTimeout=%ds)", timeout-1, timeout-1)
		}
		out = append(out, Finding{
			Severity: severity, Object: obj, Field: fmt.Sprintf("webhooks[%d].timeoutSeconds", i),
			Message: fmt.Sprintf("%s has timeoutSeconds %d, not above podpolicy's %s: the API server gives up on a slow evaluation before podpolicy answers, and %s", name, timeout, in.serve.evalTimeoutFlag, outcome),
			Fix:     fix,
		})
	}
	if w, i := in.validatingWebhook(validateWebhook); w != nil {
		severity, outcome := High, "the request is refused with a timeout instead of podpolicy's reasons"
		if !failsClosed(w.FailurePolicy) {
			severity, outcome = Critical, "the request is admitted unchecked (failurePolicy Ignore)"
		}
		judge(in.validatingObject(), validateWebhook, i, w.TimeoutSeconds, severity, outcome)
	}
	if w, i := in.mutatingWebhook(); w != nil {
		outcome := "the Pod is created without podpolicy's labels and annotation (failurePolicy Ignore)"
		if failsClosed(w.FailurePolicy) {
			outcome = "the Pod is refused with a timeout"
		}
		judge(in.mutatingObject(), mutateWebhook, i, w.TimeoutSeconds, Medium, outcome)
	}
	return out, nil
}

// minTimeout is the least timeoutSeconds above the evaluation timeout, with a second to spare
// for the network and TLS.
func minTimeout(eval time.Duration) int {
	return int(math.Ceil(eval.Seconds())) + 1
}

// unreachableSeverity is how bad it is that the API server cannot call a webhook: requests
// admitted unchecked for validate.podpolicy.io with failurePolicy Ignore; else an outage or a
// silent weakening.
func unreachableSeverity(name string, policy *admissionregistrationv1.FailurePolicyType) Severity {
	if name == validateWebhook && !failsClosed(policy) {
		return Critical
	}
	return High
}
