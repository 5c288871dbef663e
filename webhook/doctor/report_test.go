package doctor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestWriteText(t *testing.T) {
	r := &Report{
		Release: "pp", Namespace: ns, Checks: []string{"failure-policy", "replicas"},
		Findings: []Finding{
			{Severity: Critical, Check: "failure-policy", Object: vwc, Field: "webhooks[0].failurePolicy", Message: "validate.podpolicy.io has failurePolicy Ignore", Fix: "set failurePolicy: Fail"},
			{Severity: Medium, Check: "disruption-budget", Object: Object{"PodDisruptionBudget", ns, fullname}, Message: "no PodDisruptionBudget", Fix: "create one"},
		},
		Skipped: []Skipped{{"audit", "the background audit is off (no --audit-interval)"}},
		Errors:  []CheckError{{"ca-bundle", errors.New("read Secret podpolicy-system/pp-podpolicy-tls: forbidden")}},
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `critical [failure-policy] ValidatingWebhookConfiguration pp-podpolicy webhooks[0].failurePolicy: validate.podpolicy.io has failurePolicy Ignore; fix: set failurePolicy: Fail
medium [disruption-budget] PodDisruptionBudget podpolicy-system/pp-podpolicy: no PodDisruptionBudget; fix: create one
error [ca-bundle] could not check: read Secret podpolicy-system/pp-podpolicy-tls: forbidden
release pp in namespace podpolicy-system: 2 findings (1 critical, 1 medium); 2 checks run, skipped: audit (the background audit is off (no --audit-interval)); 1 check could not run
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	clean := &Report{Release: "pp", Namespace: ns, Checks: []string{"rules"}}
	if err := clean.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "release pp in namespace podpolicy-system: no findings; 1 check run\n" {
		t.Errorf("clean: %q", got)
	}
}

func TestWriteJSON(t *testing.T) {
	r := cleanInstall(t)
	r.validating.Webhooks[0].TimeoutSeconds = ptr(int32(1))
	report := r.run(t)
	var b bytes.Buffer
	if err := report.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Release, Namespace string
		Findings           []struct {
			Severity, Check, Field, Message, Fix string
			Object                               struct{ Kind, Namespace, Name string }
		}
		Checks []string
		Errors []struct{ Check, Error string }
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Release != release || out.Namespace != ns || len(out.Checks) != len(Checks()) || len(out.Findings) != 1 {
		t.Fatalf("json: %s", b.String())
	}
	f := out.Findings[0]
	if f.Severity != "high" || f.Check != "timeout" || f.Object.Kind != "ValidatingWebhookConfiguration" || f.Object.Name != fullname ||
		f.Field != "webhooks[0].timeoutSeconds" || f.Fix == "" || f.Message == "" {
		t.Errorf("finding: %+v", f)
	}
	if strings.Contains(b.String(), `"errors"`) || strings.Contains(b.String(), `"skipped"`) {
		t.Errorf("a clean run lists errors or skipped checks: %s", b.String())
	}
	// Errors are {"check", "error"}.
	data, err := json.Marshal(CheckError{"tls", errors.New(`no "Secret"`)})
	if err != nil || string(data) != `{"check":"tls","error":"no \"Secret\""}` {
		t.Errorf("CheckError JSON %s, %v", data, err)
	}
}

func TestFindingsSortedBySeverity(t *testing.T) {
	f := cleanInstall(t)
	f.pdb = nil                                                         // medium
	f.deployment.Spec.Replicas = ptr(int32(1))                          // high
	f.validating.Webhooks[0].Rules = f.validating.Webhooks[0].Rules[:4] // critical
	r := f.run(t)
	var got []string
	for _, x := range r.Findings {
		got = append(got, string(x.Severity)+" "+x.Check)
	}
	if strings.Join(got, ", ") != "critical rules, critical rules, high replicas, medium disruption-budget" {
		t.Errorf("order: %v", got)
	}
}
