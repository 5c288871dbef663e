//go:build e2e

package faults

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestHostileRequests sends podpolicy what no API server would: each gets a 4xx or a clear
// denial within the evaluation deadline, memory stays under serve's soft limit, and the server keeps serving.
func TestHostileRequests(t *testing.T) {
	w := webhook
	post := func(contentType string, body []byte) (int, string, time.Duration) {
		start := time.Now()
		resp, err := w.Client().Post(w.URL("/validate"), contentType, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(data), time.Since(start)
	}
	var thousand []any
	for i := range 1000 {
		thousand = append(thousand, map[string]any{"name": "c" + strconv.Itoa(i), "image": "nginx:latest", "ports": []any{map[string]any{"containerPort": 80}}})
	}
	thousandPod, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "many"}, "spec": map[string]any{"containers": thousand}})
	nullLists, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "nulls"},
		"spec": map[string]any{"containers": nil, "initContainers": nil, "volumes": nil}})
	nested := []byte(strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000))
	v1beta1 := bytes.Replace(review(t, "CREATE", fixedPodJSON(t)), []byte("admission.k8s.io/v1"), []byte("admission.k8s.io/v1beta1"), 1)

	for _, tc := range []struct {
		name, contentType string
		body              []byte
		status            int
		want              string
	}{
		{"garbage bytes", "application/json", []byte("\xff\xfe\x00garbage"), 400, "not an AdmissionReview"},
		{"10 MiB body", "application/json", bytes.Repeat([]byte(" "), 10<<20), 413, "larger than"},
		{"deeply nested JSON", "application/json", nested, 400, "not an AdmissionReview"},
		{"wrong content type", "application/x-www-form-urlencoded", review(t, "CREATE", fixedPodJSON(t)), 415, "content type"},
		{"review of an unknown version", "application/json", v1beta1, 400, "admission.k8s.io/v1beta1"},
		{"missing object", "application/json", review(t, "CREATE", nil), 400, "request.object is missing"},
		{"null lists", "application/json", review(t, "CREATE", nullLists), 200, "[containers-required]"},
		{"1000 containers", "application/json", review(t, "CREATE", thousandPod), 200, "more (run podpolicy check on the manifest for the full list)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, took := post(tc.contentType, tc.body)
			t.Logf("HTTP %d in %v", status, took.Round(time.Millisecond))
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("answered %d %.300s; want %d and %q", status, body, tc.status, tc.want)
			}
			if took > 2*time.Second {
				t.Errorf("answered after %v, past the evaluation deadline", took)
			}
		})
	}
	status, _, _ := post("application/json", review(t, "CREATE", fixedPodJSON(t)))
	if status != http.StatusOK || w.Healthy() != nil {
		t.Errorf("after the hostile requests: status %d, healthy: %v", status, w.Healthy())
	}
	// The binary's own pages (~45 MiB of text and tables, growing with every feature) are
	// resident beside what the process allocates; the Go runtime holds the latter under serve's
	// soft memory limit (cmd/podpolicy/gc.go), and that is what hostile input could inflate.
	// The few MiB allowed over the limit are what the runtime does not count: the C library's
	// heap and the OS threads' stacks.
	const softLimitMiB, uncountedMiB = 96, 8
	peak, file := harness.PeakRSS(w.PID()), harness.FileRSS(w.PID())
	t.Logf("peak RSS after the hostile requests: %.1f MiB, %.1f MiB of it the binary's pages", peak, file)
	if allocated := peak - file; allocated > softLimitMiB+uncountedMiB {
		t.Errorf("peak RSS less the binary's pages is %.1f MiB, over serve's soft limit of %d MiB", allocated, softLimitMiB)
	}
}
