package webhook

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies/normalize"
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

// admissionReview is the part of an AdmissionReview (admission.k8s.io/v1) podpolicy reads.
type admissionReview struct {
	APIVersion string
	Kind       string
	Request    *admissionRequest
}

// admissionRequest is the part of an AdmissionRequest podpolicy reads.
type admissionRequest struct {
	UID         types.UID
	Kind        metav1.GroupVersionKind
	Resource    metav1.GroupVersionResource
	SubResource string
	Name        string
	Namespace   string
	Operation   admissionv1.Operation
	// Object and OldObject are decoded once, with the whole review, straight into the OPA
	// values the policies read; nil when absent or null.
	Object    ast.Object
	OldObject ast.Object
	DryRun    *bool
	// UserInfo is who asked: the user and their groups.
	UserInfo userInfo
}

// userInfo is the part of an AdmissionRequest's userInfo podpolicy reads.
type userInfo struct {
	Username string
	Groups   []string
}

// readBody reads a request body of at most maxReviewBytes, into a buffer of the announced
// length when there is one, instead of growing it as it fills.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > maxReviewBytes {
		// Refused before reading: buffering the first 7 MiB of a body that cannot be answered
		// would only raise the process's peak memory.
		return nil, &http.MaxBytesError{Limit: maxReviewBytes}
	}
	limited := http.MaxBytesReader(nil, r.Body, maxReviewBytes)
	if r.ContentLength <= 0 {
		return io.ReadAll(limited)
	}
	// net/http ends the body at the announced length; a shorter one is an unexpected EOF.
	body := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(limited, body); err != nil {
		return nil, err
	}
	return body, nil
}

// decodeReview reads and checks an AdmissionReview request.
func decodeReview(r *http.Request) (*admissionReview, error) {
	if r.Method != http.MethodPost {
		return nil, &requestError{status: http.StatusMethodNotAllowed, msg: fmt.Sprintf("method %s is not allowed; send a POST", r.Method)}
	}
	if contentType := r.Header.Get("Content-Type"); contentType != "application/json" {
		// What the API server sends is matched as is; anything else is parsed, parameters and all.
		if mediaType, _, err := mime.ParseMediaType(contentType); err != nil || mediaType != "application/json" {
			return nil, &requestError{status: http.StatusUnsupportedMediaType,
				msg: fmt.Sprintf("content type %q is not supported; send application/json", contentType)}
		}
	}
	body, err := readBody(r)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is larger than %d bytes", maxReviewBytes)}
		}
		return nil, badRequest("read request body: %v", err)
	}
	review, err := parseReview(body)
	if err != nil {
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
	return review, nil
}

// parseReview decodes a review body in one pass: the object and old object become OPA values
// exactly as normalize.Decode makes them of a manifest, and the fields around them Go values.
// Null fields count as absent, and the fields the policies never see (managedFields) are
// checked for syntax but not built.
func parseReview(body []byte) (*admissionReview, error) {
	root, err := normalize.Decode(body)
	if err != nil {
		return nil, err
	}
	var f normalize.Reader
	review := &admissionReview{APIVersion: f.String(root, "apiVersion", ""), Kind: f.String(root, "kind", "")}
	if req := f.Object(root, "request", ""); req != nil {
		kind := f.Object(req, "kind", "request")
		resource := f.Object(req, "resource", "request")
		review.Request = &admissionRequest{
			UID:         types.UID(f.String(req, "uid", "request")),
			Kind:        metav1.GroupVersionKind{Group: f.String(kind, "group", "request.kind"), Version: f.String(kind, "version", "request.kind"), Kind: f.String(kind, "kind", "request.kind")},
			Resource:    metav1.GroupVersionResource{Group: f.String(resource, "group", "request.resource"), Version: f.String(resource, "version", "request.resource"), Resource: f.String(resource, "resource", "request.resource")},
			SubResource: f.String(req, "subResource", "request"),
			Name:        f.String(req, "name", "request"),
			Namespace:   f.String(req, "namespace", "request"),
			Operation:   admissionv1.Operation(f.String(req, "operation", "request")),
			Object:      f.Object(req, "object", "request"),
			OldObject:   f.Object(req, "oldObject", "request"),
			DryRun:      f.Bool(req, "dryRun", "request"),
			UserInfo:    readUserInfo(&f, f.Object(req, "userInfo", "request")),
		}
	}
	return review, f.Err
}

// readUserInfo reads the username and groups of a request's userInfo.
func readUserInfo(f *normalize.Reader, info ast.Object) userInfo {
	u := userInfo{Username: f.String(info, "username", "request.userInfo")}
	if groups, ok := normalize.Value(info, "groups").(*ast.Array); ok {
		groups.Foreach(func(g *ast.Term) {
			if name, ok := g.Value.(ast.String); ok {
				u.Groups = append(u.Groups, string(name))
			}
		})
	}
	return u
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
