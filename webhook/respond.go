package webhook

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
)

// allowed returns an admission that lets the object through. The handler sets the uid of
// every response it writes.
func allowed() *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: true}
}

// maxListed bounds the violations a denial lists, and the warnings an admission carries: a
// hostile or generated object can break thousands, and the API server hands the message to
// the client whole (warnings beyond 4 KiB it truncates).
const maxListed = 50

// denied returns a 403 that lists every deny violation, one per line (up to maxListed, then a
// count of the rest).
func denied(kind, name string, violations []policies.Violation, rollout bool) *admissionv1.AdmissionResponse {
	var b strings.Builder
	b.WriteString("podpolicy: ")
	b.WriteString(kind)
	if name != "" {
		b.WriteString(` "` + name + `"`)
	}
	b.WriteString(" breaks ")
	b.WriteString(countRules(violations))
	b.WriteString(":")
	if rollout {
		b.WriteString("\n")
		b.WriteString(rolloutNote(kind, name))
	}
	for i := range min(len(violations), maxListed) {
		b.WriteString("\n")
		b.WriteString(violations[i].String())
	}
	if rest := len(violations) - maxListed; rest > 0 {
		b.WriteString("\n... and " + strconv.Itoa(rest) + " more (run podpolicy check on the manifest for the full list)")
	}
	return &admissionv1.AdmissionResponse{
		Allowed: false,
		Result: &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusForbidden,
			Reason:  metav1.StatusReasonForbidden,
			Message: b.String(),
		},
	}
}

// rolloutNote explains the denial of an update that changes a workload's pod template, which
// is judged in full although the object already breaks the rules: its controller would roll
// out new Pods from the template, and each would be denied.
func rolloutNote(kind, name string) string {
	return fmt.Sprintf("this update changes the pod template, so the Pods it rolls out would break these rules and be denied when the controller creates them; "+
		"fix them, add an exception naming %s %q to podpolicy's config (exceptions:), or set the rules to warn with an enforceFrom date while you fix them (rules: in podpolicy's config)", kind, name)
}

// countRules says how many rules violations break, and in how many places when that differs:
// "1 rule", "9 rules (12 violations)".
func countRules(violations []policies.Violation) string {
	rules := map[string]bool{}
	for _, v := range violations {
		rules[v.Rule] = true
	}
	text := "1 rule"
	if len(rules) != 1 {
		text = strconv.Itoa(len(rules)) + " rules"
	}
	if len(violations) != len(rules) {
		text += " (" + strconv.Itoa(len(violations)) + " violations)"
	}
	return text
}

// objectLine prefixes a violation with the object it was found in, as a warning or an audit
// entry must say: kubectl and helm print warnings without naming the object of a release
// that produced them.
func objectLine(kind, name string, v *policies.Violation) string {
	if name == "" {
		return kind + ": " + v.String()
	}
	return kind + ` "` + name + `": ` + v.String()
}

// writeReview answers with an AdmissionReview carrying resp.
func writeReview(w http.ResponseWriter, status int, resp *admissionv1.AdmissionResponse) error {
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Response: resp,
	}
	body, err := json.Marshal(&review)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// writeError answers a request that failed with an HTTP error status, so the API server
// counts the call as failed and the webhook's failurePolicy decides. The body still says why,
// for a person reading it.
func writeError(w http.ResponseWriter, uid types.UID, status int, msg string) error {
	return writeReview(w, status, &admissionv1.AdmissionResponse{
		UID:     uid,
		Allowed: false,
		Result:  &metav1.Status{Status: metav1.StatusFailure, Code: int32(status), Message: msg},
	})
}
