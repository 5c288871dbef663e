package webhook

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// namespaceSubresources are the ways an update changes a Namespace's labels: the Namespace
// itself, and its status and finalize subresources, whose strategies keep the metadata the
// request sends (k8s.io/kubernetes v1.37 pkg/registry/core/namespace/strategy.go).
var namespaceSubresources = []string{"", "status", "finalize"}

// guardLabels decides a Namespace CREATE or UPDATE (of the Namespace or of its status or
// finalize subresource): only the config's modeAdmins may add, change or remove a guarded
// label (config.GuardedLabels: podpolicy.io/mode, which softens podpolicy in the namespace,
// and the keys the webhooks' namespace selector reads, which decide whether podpolicy judges
// it at all); everyone else is denied, saying who may. Every change allowed is logged and
// counted. (The chart's ValidatingAdmissionPolicy makes the same check in the API server, so
// it holds while podpolicy is down.)
func (v *validator) guardLabels(req *admissionRequest) (*admissionv1.AdmissionResponse, outcome, error) {
	if req.Object == nil {
		return nil, outcome{}, badRequest("request.object is missing")
	}
	admins, guarded := config.Identities{}, []string{ModeLabel}
	if v.config != nil {
		if cfg := v.config(); cfg != nil {
			admins, guarded = cfg.ModeAdmins, cfg.GuardedLabels
		}
	}
	var changes []string
	for _, key := range guarded {
		before, hadIt := namespaceLabel(req.OldObject, key)
		after, hasIt := namespaceLabel(req.Object, key)
		if before != after || hadIt != hasIt {
			changes = append(changes, labelChange(req.Name, key, before, hadIt, after, hasIt))
		}
	}
	if len(changes) == 0 {
		return allowed(), outcome{decision: decisionAllowed}, nil
	}
	kv := []any{"namespace", req.Name, "user", req.UserInfo.Username, "subresource", req.SubResource, "changes", changes}
	if !admins.Include(req.UserInfo.Username, req.UserInfo.Groups) {
		v.countModeChange("denied")
		v.log.Info("namespace mode change denied", kv...)
		return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: fmt.Sprintf("podpolicy: %s may not change %s; only %s may (modeAdmins in podpolicy's config)",
				req.UserInfo.Username, strings.Join(changes, "; nor "), admins),
		}}, outcome{decision: decisionDenied, rules: []string{"mode-guard"}}, nil
	}
	v.countModeChange("allowed")
	v.log.Info("namespace mode changed", kv...)
	return allowed(), outcome{decision: decisionAllowed, rules: []string{"mode-guard"}}, nil
}

// labelChange says what a change of a guarded label does: for podpolicy.io/mode, that it
// softens podpolicy; for a key of the namespace selector, that it decides whether podpolicy
// judges the namespace.
func labelChange(namespace, key, before string, hadIt bool, after string, hasIt bool) string {
	what := "podpolicy's webhooks select namespaces by it, so it decides whether podpolicy judges the namespace at all"
	if key == ModeLabel {
		what = "it turns podpolicy's denials off there"
	}
	return fmt.Sprintf("the label %s of Namespace %q (from %s to %s): %s", key, namespace, labelValue(before, hadIt), labelValue(after, hasIt), what)
}

func labelValue(value string, present bool) string {
	if !present {
		return "none"
	}
	return fmt.Sprintf("%q", value)
}

// namespaceLabel is a label of a Namespace object, and whether it is there.
func namespaceLabel(ns ast.Object, key string) (string, bool) {
	var r normalize.Reader
	labels := r.Object(r.Object(ns, "metadata", ""), "labels", "metadata")
	if labels == nil || labels.Get(ast.InternedTerm(key)) == nil {
		return "", false
	}
	return r.String(labels, key, "metadata.labels"), true
}

func (v *validator) countModeChange(result string) {
	if v.metrics != nil {
		v.metrics.ModeChanges.WithLabelValues(result).Inc()
	}
}

// isNamespace reports whether a request is about a Namespace, or one of the subresources
// through which its labels change.
func isNamespace(req *admissionRequest) bool {
	return req.Resource.Group == "" && req.Resource.Resource == "namespaces" && slices.Contains(namespaceSubresources, req.SubResource)
}
