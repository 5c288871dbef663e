package policies

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies/normalize"
)

// newTestEngine builds an engine or fails the test.
func newTestEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// newInput normalises obj as check and serve do: as JSON, decoded by normalize.Decode.
func newInput(t testing.TB, obj map[string]any, operation string) (*normalize.Input, error) {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := normalize.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return normalize.NewInput(decoded, operation)
}

// readYAML decodes a testdata file into a generic value.
func readYAML(t testing.TB, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// deepCopy copies a decoded JSON/YAML value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[k] = deepCopy(val)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, val := range x {
			l[i] = deepCopy(val)
		}
		return l
	default:
		return v
	}
}

// at walks a decoded value by keys (string) and indexes (int).
func at(v any, path ...any) map[string]any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v.(map[string]any)
}

// kinds wraps a pod spec into an object of each supported kind, with the path of its spec.
var kinds = []struct {
	kind, apiVersion, specPath string
	wrap                       func(spec map[string]any) map[string]any
}{
	{"Pod", "v1", "spec", func(s map[string]any) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": "web", "namespace": "shop"}, "spec": s}
	}},
	{"Deployment", "apps/v1", "spec.template.spec", templated},
	{"StatefulSet", "apps/v1", "spec.template.spec", templated},
	{"DaemonSet", "apps/v1", "spec.template.spec", templated},
	{"ReplicaSet", "apps/v1", "spec.template.spec", templated},
	{"ReplicationController", "v1", "spec.template.spec", templated},
	{"Job", "batch/v1", "spec.template.spec", func(s map[string]any) map[string]any {
		s["restartPolicy"] = "Never"
		return templated(s)
	}},
	{"CronJob", "batch/v1", "spec.jobTemplate.spec.template.spec", func(s map[string]any) map[string]any {
		s["restartPolicy"] = "OnFailure"
		job := templated(s)
		return map[string]any{"metadata": job["metadata"], "spec": map[string]any{"schedule": "@daily", "jobTemplate": map[string]any{"spec": job["spec"]}}}
	}},
}

func templated(s map[string]any) map[string]any {
	return map[string]any{
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}}, "spec": s},
		},
	}
}

// object builds an object of the given kind around a copy of spec.
func object(kindIndex int, spec map[string]any) map[string]any {
	k := kinds[kindIndex]
	obj := k.wrap(deepCopy(spec).(map[string]any))
	obj["apiVersion"], obj["kind"] = k.apiVersion, k.kind
	return obj
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
