package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// typicalPod is the fixed example of the article's Pod: two containers, every rule passing.
func typicalPod(b *testing.B) []byte {
	b.Helper()
	spec := fixture.PodSpec(b)
	obj := fixture.Object(0, spec)
	raw, err := json.Marshal(obj)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// evaluateRaw decodes an object's JSON straight into OPA values, normalises it and evaluates
// it, as one admission request does.
func evaluateRaw(tb testing.TB, e *Engine, raw []byte, phases Phase) {
	obj, err := normalize.Decode(raw)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := e.Judge(context.Background(), obj, Context{Phases: phases}); err != nil {
		tb.Fatal(err)
	}
}

// benchmarkEvaluate measures evaluateRaw on an object, evaluated every time (no decision
// cache).
func benchmarkEvaluate(b *testing.B, raw []byte, phases Phase) {
	e := newTestEngine(b, Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		evaluateRaw(b, e, raw, phases)
	}
}

// BenchmarkEvaluateTypicalPod evaluates the full default library on a two-container Pod.
func BenchmarkEvaluateTypicalPod(b *testing.B) {
	benchmarkEvaluate(b, typicalPod(b), Validate)
}

// BenchmarkEvaluateTenContainerPod evaluates the full default library on a ten-container Pod.
func BenchmarkEvaluateTenContainerPod(b *testing.B) {
	spec := fixture.PodSpec(b)
	base := fixture.At(spec, "containers", 0)
	var containers []any
	for i := range 10 {
		c := fixture.DeepCopy(base).(map[string]any)
		c["name"] = fmt.Sprintf("c%d", i)
		fixture.At(c, "ports", 0)["containerPort"] = 8000 + i
		fixture.At(c, "ports", 0)["name"] = fmt.Sprintf("http%d", i)
		fixture.At(c, "livenessProbe", "httpGet")["port"] = fmt.Sprintf("http%d", i)
		containers = append(containers, c)
	}
	spec["containers"] = containers
	raw, err := json.Marshal(fixture.Object(0, spec))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkEvaluate(b, raw, Validate)
}

// BenchmarkMutateTypicalPod evaluates the mutation rules on the typical Pod, as /mutate does.
func BenchmarkMutateTypicalPod(b *testing.B) {
	benchmarkEvaluate(b, typicalPod(b), Mutate)
}
