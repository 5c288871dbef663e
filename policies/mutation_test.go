package policies

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/podpolicy/podpolicy/test/fixture"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMutationPatchesMatchGoldenAndAreIdempotent(t *testing.T) {
	e := newTestEngine(t, Options{ConfigFile: "testdata/config/full.yaml"})
	spec := fixture.PodSpec(t)
	cases := map[string]func() map[string]any{
		"two-containers-no-labels": func() map[string]any { return fixture.Object(0, spec) },
		"labelled-with-annotations": func() map[string]any {
			obj := fixture.Object(0, spec)
			meta := fixture.At(obj, "metadata")
			meta["labels"] = map[string]any{"app": "web", "team": "kept"}
			meta["annotations"] = map[string]any{"note": "x"}
			return obj
		},
		"sidecar-first": func() map[string]any {
			obj := fixture.Object(0, spec)
			containers := fixture.At(obj, "spec")["containers"].([]any)
			proxy := map[string]any{"name": "istio-proxy", "image": "istio/proxyv2:1.24.0"}
			fixture.At(obj, "spec")["containers"] = append([]any{proxy}, containers...)
			return obj
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			obj := build()
			original, _ := json.Marshal(obj)
			patch := mutate(t, e, obj)
			got, _ := json.MarshalIndent(patch, "", "  ")
			golden := filepath.Join("testdata/golden", name+".json")
			if *update {
				writeFile(t, golden, string(got)+"\n")
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("patch differs from %s:\n%s", golden, got)
			}

			// Applying the patch and evaluating the result again must ask for nothing more.
			ops, _ := json.Marshal(patch)
			decoded, err := jsonpatch.DecodePatch(ops)
			if err != nil {
				t.Fatal(err)
			}
			patched, err := decoded.Apply(original)
			if err != nil {
				t.Fatalf("apply patch: %v", err)
			}
			var again map[string]any
			if err := json.Unmarshal(patched, &again); err != nil {
				t.Fatal(err)
			}
			if second := mutate(t, e, again); len(second) != 0 {
				t.Errorf("second pass patches again: %v", second)
			}
		})
	}
}

func mutate(t *testing.T, e *Engine, obj map[string]any) []PatchOperation {
	t.Helper()
	labels := func() map[string]string {
		return map[string]string{"team": "payments", "kubernetes.io/metadata.name": "shop"}
	}
	result, err := judge(t, e, obj, Context{NamespaceLabels: labels, Phases: Mutate})
	if err != nil {
		t.Fatal(err)
	}
	return result.Patch()
}
