package webhook

import (
	"encoding/json"
	"strings"
	"testing"
)

// createReview wraps an object's JSON into an AdmissionReview of its CREATE in namespace.
func createReview(t testing.TB, object []byte, namespace string) []byte {
	t.Helper()
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(object, &meta); err != nil {
		t.Fatal(err)
	}
	group, version, found := strings.Cut(meta.APIVersion, "/")
	if !found {
		group, version = "", meta.APIVersion
	}
	body, err := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid": "b5c5a1e2-0000-4000-8000-000000000001", "operation": "CREATE", "namespace": namespace,
			"kind":     map[string]any{"group": group, "version": version, "kind": meta.Kind},
			"resource": map[string]any{"group": group, "version": version, "resource": strings.ToLower(meta.Kind) + "s"},
			"object":   json.RawMessage(object),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return body
}
