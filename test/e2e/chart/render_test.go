//go:build e2e

package chart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/test/harness"
)

const (
	release   = "pp"
	namespace = "podpolicy-system"
	fullname  = "pp-podpolicy"
)

func chartDir() string { return filepath.Join(root, "charts", "podpolicy") }

func helm(t *testing.T, args ...string) harness.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return cp.Helm(ctx, args...)
}

func kubectl(t *testing.T, args ...string) harness.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return cp.Kubectl(ctx, "", args...)
}

// render runs helm template with the extra arguments and writes the manifests to a file.
func render(t *testing.T, args ...string) (string, []map[string]any) {
	t.Helper()
	r := helm(t, append([]string{"template", release, chartDir(), "--namespace", namespace}, args...)...)
	if r.ExitCode != 0 {
		t.Fatalf("helm template %v: %s", args, r.Output())
	}
	path := filepath.Join(t.TempDir(), "rendered.yaml")
	if err := os.WriteFile(path, []byte(r.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	var objects []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(r.Stdout))
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			break
		}
		if obj != nil {
			objects = append(objects, obj)
		}
	}
	return path, objects
}

// find returns the rendered object of a kind and name.
func find(t *testing.T, objects []map[string]any, kind, name string) map[string]any {
	t.Helper()
	for _, o := range objects {
		if o["kind"] == kind && o["metadata"].(map[string]any)["name"] == name {
			return o
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

func kinds(objects []map[string]any) map[string]int {
	count := map[string]int{}
	for _, o := range objects {
		count[o["kind"].(string)]++
	}
	return count
}

// dig walks a decoded object by keys and list indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	if r := kubectl(t, "get", "namespace", name); r.ExitCode != 0 {
		if r := kubectl(t, "create", "namespace", name); r.ExitCode != 0 {
			t.Fatalf("create namespace %s: %s", name, r.Output())
		}
	}
}
