package policies

import (
	"encoding/json"
	"testing"

	"github.com/podpolicy/podpolicy/test/fixture"
)

// maxAllocsPerEvaluation bounds the allocations of one evaluation of the whole default library
// on the typical two-container Pod (decoding its JSON straight into OPA values, normalisation
// and evaluation by the compiled evaluator), as measured by
// BenchmarkEvaluateTypicalPod plus a margin. Allocation counts are stable across machines where
// times are not, so this guards performance in `make test` without a timed test. Raise it only
// with a reason in the commit message.
const maxAllocsPerEvaluation = 480

// maxAllocsPerEvaluationRace is the same bound under the race detector (`make unit` runs with
// -race), which adds about a tenth: measured 468 against 415 without.
const maxAllocsPerEvaluationRace = 540

func TestEvaluationAllocationsStayBounded(t *testing.T) {
	e := newTestEngine(t, Options{})
	raw, err := json.Marshal(fixture.Object(0, fixture.PodSpec(t)))
	if err != nil {
		t.Fatal(err)
	}
	bound := maxAllocsPerEvaluation
	if raceDetector {
		bound = maxAllocsPerEvaluationRace
	}
	allocs := testing.AllocsPerRun(50, func() { evaluateRaw(t, e, raw, Validate) })
	t.Logf("%.0f allocations per evaluation (bound %d, race detector %v)", allocs, bound, raceDetector)
	if allocs > float64(bound) {
		t.Errorf("one evaluation allocates %.0f times, more than the bound of %d: a change made the hot path allocate more", allocs, bound)
	}
}

// maxAllocsPerReplica bounds the allocations of judging a replica whose decision the cache
// holds (decoding, normalisation, the cache's comparison and the translation of its result):
// measured 342 (345 under the race detector), against 438 for an evaluation.
const (
	maxAllocsPerReplica     = 360
	maxAllocsPerReplicaRace = 380
)

func TestReplicaAllocationsStayBounded(t *testing.T) {
	e := newTestEngine(t, Options{DecisionCache: true})
	var raws [][]byte
	for i := range 16 {
		pod := fixture.Object(0, fixture.PodSpec(t))
		fixture.At(pod, "metadata")["name"] = "web-7c9d6b5f4-" + string(rune('a'+i))
		raw, err := json.Marshal(pod)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, raw)
	}
	bound := maxAllocsPerReplica
	if raceDetector {
		bound = maxAllocsPerReplicaRace
	}
	i := 0
	allocs := testing.AllocsPerRun(50, func() {
		evaluateRaw(t, e, raws[i%len(raws)], Validate)
		i++
	})
	if hits, _ := e.DecisionCacheStats(); hits < 40 {
		t.Fatalf("%d of the replicas' decisions came from the cache; the bound is of the cached path", hits)
	}
	t.Logf("%.0f allocations per replica (bound %d, race detector %v)", allocs, bound, raceDetector)
	if allocs > float64(bound) {
		t.Errorf("judging a replica allocates %.0f times, more than the bound of %d: a change made the cached path allocate more", allocs, bound)
	}
}
