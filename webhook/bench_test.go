package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/go-logr/logr"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/policies"
)

// reviewOf wraps the object of a manifest file in an AdmissionReview for a CREATE.
func reviewOf(b *testing.B, manifest string) []byte {
	b.Helper()
	src, err := os.ReadFile(manifest)
	if err != nil {
		b.Fatal(err)
	}
	object, err := yaml.YAMLToJSON(src)
	if err != nil {
		b.Fatal(err)
	}
	var meta struct{ Kind string }
	_ = json.Unmarshal(object, &meta)
	body, err := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid": "b5c5a1e2-0000-4000-8000-000000000001", "operation": "CREATE", "namespace": "shop", "name": "web",
			"kind": map[string]any{"version": "v1", "kind": meta.Kind}, "resource": map[string]any{"version": "v1", "resource": "pods"},
			"object": json.RawMessage(object),
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkValidateRequest measures one in-process decision: AdmissionReview bytes in,
// response bytes out, through the real engine and the full default library, no HTTP.
func BenchmarkValidateRequest(b *testing.B) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, manifest string }{
		{"TypicalPod", "../examples/web-server-pod-fixed.yaml"},
		{"ViolatingPod", "../examples/web-server-pod.yaml"},
		{"Deployment", "../examples/deployment.yaml"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			body := reviewOf(b, tc.manifest)
			h := NewValidatingHandler(engine, nil, nil, logr.Discard())
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
