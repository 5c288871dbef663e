package webhook

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/policies/owners"
)

// verification is the patch operation that records, on a Pod being created, whether admission
// verified its owners (owners.VerifiedAnnotation), so that the audit trusts its owners for
// exceptions as admission did: set when a controller of the kinds table (one of Kubernetes',
// or one the config trusts) creates it and its owner chain verifies, removed when a controller creates it from a template that carries it
// but the chain does not verify; nil when there is nothing to record. ops are the patch's
// other operations, which may add the annotations map.
func verification(req *admissionRequest, table *kinds.Table, verified []string, ops []policies.PatchOperation) *policies.PatchOperation {
	if !table.Controller(req.UserInfo.Username) {
		return nil
	}
	value, present := podAnnotation(req.Object, owners.VerifiedAnnotation)
	key := "/metadata/annotations/" + strings.ReplaceAll(owners.VerifiedAnnotation, "/", "~1")
	switch {
	case len(verified) == 0 && present:
		return &policies.PatchOperation{Op: "remove", Path: key}
	case len(verified) == 0 || value == "true":
		return nil
	case hasAnnotations(req.Object, ops):
		return &policies.PatchOperation{Op: "add", Path: key, Value: "true"}
	default:
		return &policies.PatchOperation{Op: "add", Path: "/metadata/annotations", Value: map[string]string{owners.VerifiedAnnotation: "true"}}
	}
}

// guardVerification denies anyone but the controllers of the kinds table (and podpolicy's
// mutation on their behalf) setting or changing owners.VerifiedAnnotation on a Pod; nil when the request
// may go on.
func (v *validator) guardVerification(req *admissionRequest) *admissionv1.AdmissionResponse {
	if req.Resource.Resource != "pods" || req.SubResource != "" || v.kinds().Controller(req.UserInfo.Username) {
		return nil
	}
	after, has := podAnnotation(req.Object, owners.VerifiedAnnotation)
	before, had := podAnnotation(req.OldObject, owners.VerifiedAnnotation)
	if !has || had && before == after {
		return nil
	}
	v.log.Info("owner verification refused", "uid", req.UID, "namespace", req.Namespace, "name", req.Name, "user", req.UserInfo.Username)
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
		Message: fmt.Sprintf("podpolicy: %s may not set the annotation %s of Pod %q: podpolicy sets it on the Pods Kubernetes' controllers create, and exceptions naming a workload cover a Pod only with it; remove it",
			req.UserInfo.Username, owners.VerifiedAnnotation, req.Name),
	}}
}

// podAnnotation reads an annotation of an object, and whether it is there.
func podAnnotation(obj ast.Object, key string) (string, bool) {
	var r normalize.Reader
	annotations := r.Object(r.Object(obj, "metadata", ""), "annotations", "metadata")
	if annotations == nil || annotations.Get(ast.InternedTerm(key)) == nil {
		return "", false
	}
	return r.String(annotations, key, "metadata.annotations"), true
}

// hasAnnotations reports whether the Pod has an annotations map once ops apply.
func hasAnnotations(obj ast.Object, ops []policies.PatchOperation) bool {
	for _, op := range ops {
		if op.Op == "add" && op.Path == "/metadata/annotations" {
			return true
		}
	}
	var r normalize.Reader
	return r.Object(r.Object(obj, "metadata", ""), "annotations", "metadata") != nil
}
