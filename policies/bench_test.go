package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// typicalPod is the fixed example of the article's Pod: two containers, every rule passing.
func typicalPod(b *testing.B) []byte {
	b.Helper()
	spec := readYAML(b, "testdata/pod-spec.yaml")
	obj := object(0, spec)
	raw, err := json.Marshal(obj)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// benchmarkEvaluate measures decoding an object's JSON, normalising it and evaluating the
// whole library on it, as one admission request does.
func benchmarkEvaluate(b *testing.B, raw []byte) {
	e := newTestEngine(b, Options{})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			b.Fatal(err)
		}
		in, err := NewInput(obj, "CREATE")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Evaluate(ctx, in, Validate); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateTypicalPod evaluates the full default library on a two-container Pod.
func BenchmarkEvaluateTypicalPod(b *testing.B) {
	benchmarkEvaluate(b, typicalPod(b))
}

// BenchmarkEvaluateTenContainerPod evaluates the full default library on a ten-container Pod.
func BenchmarkEvaluateTenContainerPod(b *testing.B) {
	spec := readYAML(b, "testdata/pod-spec.yaml")
	base := at(spec, "containers", 0)
	var containers []any
	for i := range 10 {
		c := deepCopy(base).(map[string]any)
		c["name"] = fmt.Sprintf("c%d", i)
		at(c, "ports", 0)["containerPort"] = 8000 + i
		at(c, "ports", 0)["name"] = fmt.Sprintf("http%d", i)
		at(c, "livenessProbe", "httpGet")["port"] = fmt.Sprintf("http%d", i)
		containers = append(containers, c)
	}
	spec["containers"] = containers
	raw, err := json.Marshal(object(0, spec))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkEvaluate(b, raw)
}

// BenchmarkMutateTypicalPod evaluates the mutation rules on the typical Pod, as /mutate does.
func BenchmarkMutateTypicalPod(b *testing.B) {
	e := newTestEngine(b, Options{})
	raw := typicalPod(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			b.Fatal(err)
		}
		in, err := NewInput(obj, "CREATE")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Evaluate(ctx, in, Mutate); err != nil {
			b.Fatal(err)
		}
	}
}
