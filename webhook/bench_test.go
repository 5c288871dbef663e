package webhook

import (
	"bytes"
	"context"
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
	return createReview(b, object, "shop")
}

// BenchmarkValidateRequest measures one in-process decision: AdmissionReview bytes in,
// response bytes out, through the real engine and the full default library, no HTTP.
func BenchmarkValidateRequest(b *testing.B) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, manifest string
		allowed        bool
	}{
		{"TypicalPod", "../examples/web-server-pod-fixed.yaml", true},
		{"ViolatingPod", "../examples/web-server-pod.yaml", false},
		{"Deployment", "../examples/deployment.yaml", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			body := reviewOf(b, tc.manifest)
			h := NewValidatingHandler(engine, Cluster{}, nil, logr.Discard())
			// The request is built once and its body rewound each time, and the response
			// goes to a reused buffer: what is measured is the handler, not httptest's parsing
			// of a request line and its recorder's allocations.
			reader := bytes.NewReader(body)
			req := httptest.NewRequest(http.MethodPost, "/validate", reader)
			req.Header.Set("Content-Type", "application/json")
			rec := &reusedRecorder{header: http.Header{}}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				reader.Reset(body)
				rec.reset()
				h.ServeHTTP(rec, req)
				allowed := bytes.Contains(rec.body.Bytes(), []byte(`"allowed":true`))
				if rec.status != http.StatusOK || allowed != tc.allowed {
					b.Fatalf("status %d, want allowed %v: %s", rec.status, tc.allowed, rec.body.Bytes())
				}
			}
		})
	}
}

// reusedRecorder is a ResponseWriter whose header and body are reset, not reallocated, for
// each request.
type reusedRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *reusedRecorder) reset() {
	clear(r.header)
	r.status = 0
	r.body.Reset()
}

func (r *reusedRecorder) Header() http.Header { return r.header }

func (r *reusedRecorder) WriteHeader(status int) { r.status = status }

func (r *reusedRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
