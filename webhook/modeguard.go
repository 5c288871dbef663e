package webhook

import (
	"fmt"
	"net/http"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// guardMode decides a Namespace CREATE or UPDATE: only the config's modeAdmins may add, change
// or remove the podpolicy.io/mode label, which softens podpolicy in that namespace; everyone
// else is denied, saying who may. Every change allowed is logged and counted. (The chart's
// ValidatingAdmissionPolicy makes the same check in the API server, so it holds while
// podpolicy is down.)
func (v *validator) guardMode(req *admissionRequest) (*admissionv1.AdmissionResponse, outcome, error) {
	if req.Object == nil {
		return nil, outcome{}, badRequest("request.object is missing")
	}
	before, after := modeLabel(req.OldObject), modeLabel(req.Object)
	if before == after {
		return allowed(), outcome{decision: decisionAllowed}, nil
	}
	var admins config.Identities
	if v.modeAdmins != nil {
		admins = v.modeAdmins()
	}
	kv := []any{"namespace", req.Name, "user", req.UserInfo.Username, "from", before, "to", after}
	if !admins.Include(req.UserInfo.Username, req.UserInfo.Groups) {
		v.countModeChange("denied")
		v.log.Info("namespace mode change denied", kv...)
		return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: fmt.Sprintf("podpolicy: %s may not change the label %s of Namespace %q (from %q to %q): it turns podpolicy's denials off there; only %s may (modeAdmins in podpolicy's config)",
				req.UserInfo.Username, ModeLabel, req.Name, before, after, admins),
		}}, outcome{decision: decisionDenied, rules: []string{"mode-guard"}}, nil
	}
	v.countModeChange("allowed")
	v.log.Info("namespace mode changed", kv...)
	return allowed(), outcome{decision: decisionAllowed, rules: []string{"mode-guard"}}, nil
}

// modeLabel is the podpolicy.io/mode label of a Namespace; "" when absent.
func modeLabel(ns ast.Object) string {
	var r normalize.Reader
	return r.String(r.Object(r.Object(ns, "metadata", ""), "labels", "metadata"), ModeLabel, "metadata.labels")
}

func (v *validator) countModeChange(result string) {
	if v.metrics != nil {
		v.metrics.ModeChanges.WithLabelValues(result).Inc()
	}
}

// isNamespace reports whether a request is about a Namespace.
func isNamespace(req *admissionRequest) bool {
	return req.Resource.Group == "" && req.Resource.Resource == "namespaces" && req.SubResource == ""
}
