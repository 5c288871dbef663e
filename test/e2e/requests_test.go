//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// review builds an AdmissionReview body with the given request fields.
func review(request map[string]any) string {
	body, _ := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
	return string(body)
}

func podRequest(operation string, object any) map[string]any {
	return map[string]any{
		"uid": "7c4a9e3e-0000-4000-8000-000000000001", "operation": operation,
		"kind":      map[string]any{"group": "", "version": "v1", "kind": "Pod"},
		"resource":  map[string]any{"group": "", "version": "v1", "resource": "pods"},
		"namespace": "default", "name": "web", "object": object,
	}
}

func post(t *testing.T, path, contentType, body string) (int, string) {
	t.Helper()
	resp, err := webhook.Client().Post(webhook.URL(path), contentType, strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestBadRequestsGetA4xxWithAClearMessage(t *testing.T) {
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx:1.27.3"}}}}
	service := podRequest("CREATE", map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "web"}})
	service["kind"] = map[string]any{"group": "", "version": "v1", "kind": "Service"}
	for _, tc := range []struct {
		name, path, contentType, body string
		status                        int
		message                       string
	}{
		{"garbage", "/validate", "application/json", "\x00\x01 not json", 400, "request body is not an AdmissionReview"},
		{"not a review", "/validate", "application/json", `{"apiVersion":"v1","kind":"Pod"}`, 400, "request body has kind Pod and apiVersion v1; want kind AdmissionReview and apiVersion admission.k8s.io/v1"},
		{"wrong content type", "/validate", "text/plain", review(podRequest("CREATE", pod)), 415, "content type"},
		{"no request", "/validate", "application/json", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, 400, "AdmissionReview has no request"},
		{"missing object", "/validate", "application/json", review(podRequest("CREATE", nil)), 400, "request.object is missing"},
		{"unknown kind", "/validate", "application/json", review(service), 400, "kind Service of /v1 is not handled by podpolicy"},
		{"unhandled operation", "/validate", "application/json", review(podRequest("DELETE", pod)), 400, "operation DELETE is not handled by /validate"},
		{"mutate an update", "/mutate", "application/json", review(podRequest("UPDATE", pod)), 400, "/mutate handles the creation of pods, not UPDATE of pods"},
		{"null containers", "/validate", "application/json", review(podRequest("CREATE", map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": map[string]any{"containers": "x"}})), 400, "spec.containers: expected a list, got a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, tc.path, tc.contentType, tc.body)
			if status != tc.status || !strings.Contains(body, tc.message) {
				t.Errorf("answer %d %s; want %d and %q", status, body, tc.status, tc.message)
			}
		})
	}
	// The server keeps serving: a good review right after is judged.
	status, body := post(t, "/validate", "application/json", review(podRequest("CREATE", pod)))
	var out struct {
		Response struct {
			UID     string
			Allowed bool
			Status  struct{ Code int }
		}
	}
	if err := json.NewDecoder(bytes.NewReader([]byte(body))).Decode(&out); err != nil || status != http.StatusOK {
		t.Fatalf("good review: %d %s", status, body)
	}
	if out.Response.Allowed || out.Response.Status.Code != 403 || out.Response.UID != "7c4a9e3e-0000-4000-8000-000000000001" {
		t.Errorf("good review answered %+v", out.Response)
	}
	if err := webhook.Healthy(); err != nil {
		t.Errorf("webhook unhealthy after bad requests: %v", err)
	}
}

func TestMetricsCountDecisions(t *testing.T) {
	resp, err := http.Get(webhook.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	mustContain(t, "metrics", string(data),
		`podpolicy_admission_requests_total{decision="denied",kind="Pod",operation="CREATE",webhook="validate"}`,
		`podpolicy_admission_requests_total{decision="mutated",kind="Pod",operation="CREATE",webhook="mutate"}`,
		`podpolicy_violations_total{action="deny",rule="image-tag-pinned"}`,
		`podpolicy_admission_duration_seconds_bucket{webhook="validate",le="0.0001"}`,
		"podpolicy_policy_rules_loaded 27", // the 26 built-in rules and memory-ceiling, the suite's own
	)
}
