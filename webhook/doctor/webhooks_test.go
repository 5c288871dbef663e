package doctor

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

func TestFailurePolicy(t *testing.T) {
	runFaults(t, []fault{
		{"validation fails open", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].FailurePolicy = ptr(admissionregistrationv1.Ignore)
		}, want{Critical, "failure-policy", vwc, "webhooks[0].failurePolicy",
			[]string{"validate.podpolicy.io has failurePolicy Ignore", "admits Pods and workloads unchecked"},
			[]string{"failurePolicy: Fail", "webhook.validating.failurePolicy=Fail"}}},
		{"the guard webhook fails open", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[1].FailurePolicy = ptr(admissionregistrationv1.Ignore)
		}, want{High, "failure-policy", vwc, "webhooks[1].failurePolicy",
			[]string{"mode-guard.podpolicy.io has failurePolicy Ignore"}, []string{"failurePolicy: Fail"}}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"unset is Fail": func(t *testing.T, f *fixture) { f.validating.Webhooks[0].FailurePolicy = nil },
	})
}

func TestTimeout(t *testing.T) {
	runFaults(t, []fault{
		{"timeoutSeconds 1 under --eval-timeout=2s", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].TimeoutSeconds = ptr(int32(1))
		}, want{High, "timeout", vwc, "webhooks[0].timeoutSeconds",
			[]string{"timeoutSeconds 1, not above podpolicy's --eval-timeout=2s", "refused with a timeout"},
			[]string{"set timeoutSeconds to 3 or more (helm: --set webhook.timeoutSeconds=3)"}}},
		{"timeoutSeconds equal to the evaluation timeout", func(t *testing.T, f *fixture) {
			setArg(f, "--eval-timeout=", "--eval-timeout=5s")
			f.mutating.Webhooks[0].TimeoutSeconds = ptr(int32(10))
		}, want{High, "timeout", vwc, "webhooks[0].timeoutSeconds",
			[]string{"timeoutSeconds 5, not above podpolicy's --eval-timeout=5s"},
			[]string{"set timeoutSeconds to 6 or more", "or lower --eval-timeout to 4s (helm: --set evalTimeout=4s)"}}},
		{"the mutation's timeout", func(t *testing.T, f *fixture) {
			f.mutating.Webhooks[0].TimeoutSeconds = ptr(int32(2))
		}, want{Medium, "timeout", mwc, "webhooks[0].timeoutSeconds",
			[]string{"mutate.podpolicy.io has timeoutSeconds 2", "created without podpolicy's labels"}, nil}},
		{"an evaluation timeout above the default timeoutSeconds", func(t *testing.T, f *fixture) {
			setArg(f, "--eval-timeout=", "--eval-timeout", "12s") // the value as a separate argument
			f.validating.Webhooks[0].TimeoutSeconds = nil         // 10, the API's default
			f.mutating.Webhooks[0].TimeoutSeconds = ptr(int32(15))
		}, want{High, "timeout", vwc, "webhooks[0].timeoutSeconds",
			[]string{"timeoutSeconds 10, not above podpolicy's --eval-timeout=12s"}, []string{"timeoutSeconds to 13"}}},
	})
}

// setArg replaces the serve argument starting with prefix by args.
func setArg(f *fixture, prefix string, args ...string) {
	c := &f.deployment.Spec.Template.Spec.Containers[0]
	var out []string
	for _, a := range c.Args {
		if len(a) >= len(prefix) && a[:len(prefix)] == prefix {
			out = append(out, args...)
			continue
		}
		out = append(out, a)
	}
	c.Args = out
}
