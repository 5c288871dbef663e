package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/check"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

// parityManifests are manifests whose verdicts must not depend on where they are judged:
// the examples, and objects with what YAML and JSON read apart (YAML 1.1 booleans and
// numbers, nulls, managedFields).
func parityManifests(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("examples: %v", err)
	}
	var docs []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(data), "\n---\n") {
			if strings.Contains(doc, "kind:") {
				docs = append(docs, doc)
			}
		}
	}
	return append(docs,
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml11\n  managedFields: [{manager: kubectl}]\nspec:\n  hostNetwork: yes\n  nodeName: ~\n  containers:\n  - name: a\n    image: registry.example.com/a:1.0\n    ports:\n    - containerPort: 0x1F90\n      hostPort: 017\n",
		"apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: default\nspec:\n  template:\n    spec:\n      hostPID: on\n      containers:\n      - name: agent\n        image: agent\n        securityContext:\n          privileged: y\n",
	)
}

// TestManifestAndReviewGiveIdenticalVerdicts: a manifest read by `podpolicy check`, and the
// same object as kubectl sends it inside an AdmissionReview, give byte-identical violations
// and patches, and the webhook's denial lists exactly check's violations.
func TestManifestAndReviewGiveIdenticalVerdicts(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	handler := NewValidatingHandler(engine, Cluster{}, nil, logr.Discard())
	compared := 0
	for _, doc := range parityManifests(t) {
		docs, errs := manifest.Read([]string{manifest.Stdin}, strings.NewReader(doc))
		report := check.Run(context.Background(), engine, docs, errs)
		if len(report.Errors) > 0 || len(report.Results) != 1 {
			t.Fatalf("check of %q: results %d, errors %v", doc, len(report.Results), report.Errors)
		}
		offline := report.Results[0]

		object, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("kubectl's conversion of %q: %v", doc, err)
		}
		body := createReview(t, object, "default")
		review, err := parseReview(body)
		if err != nil {
			t.Fatal(err)
		}
		online, err := engine.Judge(context.Background(), review.Request.Object, policies.Context{
			Operation: "CREATE", Namespace: review.Request.Namespace, Phases: policies.Validate | policies.Mutate,
		})
		if err != nil {
			t.Fatal(err)
		}
		// check reports an empty list where Judge leaves none.
		if a, b := mustJSON(t, offline.Violations), mustJSON(t, online.Violations); len(online.Violations) > 0 && !bytes.Equal(a, b) || len(online.Violations) != len(offline.Violations) {
			t.Errorf("%s %s: violations differ\n check: %s\nreview: %s", offline.Kind, offline.Name, a, b)
		}
		if a, b := mustJSON(t, offline.Mutations), mustJSON(t, online.Mutations); len(online.Mutations) > 0 && !bytes.Equal(a, b) || len(online.Mutations) != len(offline.Mutations) {
			t.Errorf("%s %s: patches differ\n check: %s\nreview: %s", offline.Kind, offline.Name, a, b)
		}

		_, resp := serve(t, handler, body)
		var lines []string
		for _, v := range offline.Violations {
			if v.Action == policies.Deny {
				lines = append(lines, v.String())
			}
		}
		if len(lines) == 0 {
			if resp == nil || !resp.Allowed {
				t.Errorf("%s %s: check admits it, the webhook answers %+v", offline.Kind, offline.Name, resp)
			}
		} else if resp == nil || resp.Allowed || !strings.HasSuffix(resp.Result.Message, strings.Join(lines, "\n")) {
			t.Errorf("%s %s: the webhook's denial is not check's violations\nwebhook: %+v\n  check: %s", offline.Kind, offline.Name, resp, strings.Join(lines, "\n"))
		}
		compared++
	}
	if compared < 9 {
		t.Errorf("compared %d manifests, want every example and the YAML 1.1 cases", compared)
	}
}

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

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
