//go:build e2e

package faults

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/test/harness"
)

// review builds an AdmissionReview body for a Pod object.
func review(t *testing.T, operation string, object json.RawMessage) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid": "0b7e2f6c-0000-4000-8000-000000000001", "operation": operation, "namespace": "default", "name": "web",
			"kind":     map[string]any{"group": "", "version": "v1", "kind": "Pod"},
			"resource": map[string]any{"group": "", "version": "v1", "resource": "pods"},
			"object":   object,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// fixedPodJSON returns the compliant example Pod as JSON.
func fixedPodJSON(t *testing.T) json.RawMessage {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "examples", "web-server-pod-fixed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
