package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// maxReviewBytes bounds a request body. The API server caps an object at 3 MiB and a review
// carries at most the object and its old version.
const maxReviewBytes = 7 << 20

// requestError is a request the webhook cannot judge; status is the HTTP status to answer.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// admissionReview is the part of an AdmissionReview podpolicy reads. It is decoded in one pass
// straight into the object's generic form: decoding into admissionv1.AdmissionReview would
// copy the object's bytes into a RawExtension and parse them a second time.
type admissionReview struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Request    *admissionRequest `json:"request"`
}

// admissionRequest mirrors admissionv1.AdmissionRequest for the fields podpolicy uses.
type admissionRequest struct {
	UID         types.UID                   `json:"uid"`
	Kind        metav1.GroupVersionKind     `json:"kind"`
	Resource    metav1.GroupVersionResource `json:"resource"`
	SubResource string                      `json:"subResource"`
	Name        string                      `json:"name"`
	Namespace   string                      `json:"namespace"`
	Operation   admissionv1.Operation       `json:"operation"`
	// Object is kept as JSON and decoded once, straight into the policies' OPA values, by
	// policies.DecodeInput.
	Object json.RawMessage `json:"object"`
	// OldObject is decoded only when an UPDATE has violations to compare.
	OldObject json.RawMessage `json:"oldObject"`
	DryRun    *bool           `json:"dryRun"`
}

// decodeReview reads and checks an AdmissionReview request.
func decodeReview(r *http.Request) (*admissionReview, error) {
	if r.Method != http.MethodPost {
		return nil, &requestError{status: http.StatusMethodNotAllowed, msg: fmt.Sprintf("method %s is not allowed; send a POST", r.Method)}
	}
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != "application/json" {
		return nil, &requestError{status: http.StatusUnsupportedMediaType,
			msg: fmt.Sprintf("content type %q is not supported; send application/json", r.Header.Get("Content-Type"))}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxReviewBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is larger than %d bytes", maxReviewBytes)}
		}
		return nil, badRequest("read request body: %v", err)
	}
	var review admissionReview
	if err := json.Unmarshal(body, &review); err != nil {
		return nil, badRequest("request body is not an AdmissionReview: %v", err)
	}
	switch {
	case review.APIVersion != admissionv1.SchemeGroupVersion.String() || review.Kind != "AdmissionReview":
		return nil, badRequest("request body has kind %s and apiVersion %s; want kind AdmissionReview and apiVersion %s", orNone(review.Kind), orNone(review.APIVersion), admissionv1.SchemeGroupVersion)
	case review.Request == nil:
		return nil, badRequest("AdmissionReview has no request")
	case review.Request.UID == "":
		return nil, badRequest("AdmissionReview request has no uid")
	}
	return &review, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
