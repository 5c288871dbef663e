package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podpolicy/podpolicy/policies"
)

// FuzzAdmissionReview sends arbitrary bodies to both handlers, backed by the real engine and
// library. Whatever the body, the handler must answer with an AdmissionReview, with a status
// from the fixed table, and never admit a request it failed to judge.
func FuzzAdmissionReview(f *testing.F) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		f.Fatal(err)
	}
	handlers := []http.Handler{
		NewValidatingHandler(engine, Cluster{}, nil, logr.Discard()),
		NewMutatingHandler(engine, Cluster{}, nil, logr.Discard()),
	}
	b := &testing.B{}
	for _, manifest := range []string{"../examples/web-server-pod.yaml", "../examples/web-server-pod-fixed.yaml", "../examples/deployment.yaml", "../examples/cronjob.yaml"} {
		f.Add(reviewOf(b, manifest))
	}
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","spec":{"containers":null}}}}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"UPDATE","object":{"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":7}},"oldObject":{}}}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":1,"image":[],"ports":[{"containerPort":"x","hostPort":{}}],"securityContext":{"capabilities":{"drop":[1,null]}}}]}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var sentUID struct {
			Request struct{ UID string } `json:"request"`
		}
		_ = json.Unmarshal(body, &sentUID)
		for _, h := range handlers {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var review admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response == nil {
				t.Fatalf("status %d with a body that is not an AdmissionReview: %q", rec.Code, rec.Body.String())
			}
			switch rec.Code {
			case http.StatusOK:
				if string(review.Response.UID) != sentUID.Request.UID {
					t.Fatalf("answered uid %q for request uid %q", review.Response.UID, sentUID.Request.UID)
				}
			case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusRequestEntityTooLarge, http.StatusInternalServerError:
				if review.Response.Allowed || review.Response.Result == nil || review.Response.Result.Message == "" {
					t.Fatalf("status %d admitted or gave no reason: %+v", rec.Code, review.Response)
				}
			default:
				t.Fatalf("status %d is not in the response table", rec.Code)
			}
		}
	})
}
