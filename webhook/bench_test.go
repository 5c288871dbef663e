package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
// response bytes out, through the real engine and the full default library, no HTTP. The
// decision cache is off, so every iteration evaluates; TypicalPodReplicas measures it on, over
// Pods a ReplicaSet creates from one template (alike but for their name and uid).
func BenchmarkValidateRequest(b *testing.B) {
	evaluating, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cached, err := policies.New(context.Background(), policies.Options{DecisionCache: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, manifest string
		allowed        bool
		engine         *policies.Engine
		replicas       int
	}{
		{"TypicalPod", "../examples/web-server-pod-fixed.yaml", true, evaluating, 1},
		{"ViolatingPod", "../examples/web-server-pod.yaml", false, evaluating, 1},
		{"Deployment", "../examples/deployment.yaml", true, evaluating, 1},
		{"TypicalPodReplicas", "../examples/web-server-pod-fixed.yaml", true, cached, 64},
	} {
		b.Run(tc.name, func(b *testing.B) {
			bodies := replicaReviews(b, tc.manifest, tc.replicas)
			h := NewValidatingHandler(tc.engine, Cluster{}, nil, logr.Discard())
			// The request is built once and its body rewound each time, and the response
			// goes to a reused buffer: what is measured is the handler, not httptest's parsing
			// of a request line and its recorder's allocations.
			reader := bytes.NewReader(bodies[0])
			req := httptest.NewRequest(http.MethodPost, "/validate", reader)
			req.Header.Set("Content-Type", "application/json")
			rec := &reusedRecorder{header: http.Header{}}
			b.ReportAllocs()
			b.SetBytes(int64(len(bodies[0])))
			i := 0
			for b.Loop() {
				reader.Reset(bodies[i%len(bodies)])
				i++
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

// replicaReviews wraps the object of a manifest in n AdmissionReviews for a CREATE, as the
// API server sends them for the Pods a ReplicaSet creates: each with a name of its own and a
// uid; one, as written, when n is 1.
func replicaReviews(b *testing.B, manifest string, n int) [][]byte {
	b.Helper()
	if n == 1 {
		return [][]byte{reviewOf(b, manifest)}
	}
	src, err := os.ReadFile(manifest)
	if err != nil {
		b.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(src, &obj); err != nil {
		b.Fatal(err)
	}
	meta := obj["metadata"].(map[string]any)
	out := make([][]byte, n)
	for i := range out {
		meta["name"] = fmt.Sprintf("web-server-7c9d6b5f4-%05d", i)
		meta["uid"] = fmt.Sprintf("0f3c2a91-5d7e-4c8b-9a61-%012d", i)
		object, err := json.Marshal(obj)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = createReview(b, object, "shop")
	}
	return out
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
