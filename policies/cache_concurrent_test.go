package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// TestDecisionCacheUnderConcurrentRequests: requests judged at once share the cache while it
// drops entries (more templates than it holds), and each still gets the verdict an engine
// without a cache gives.
func TestDecisionCacheUnderConcurrentRequests(t *testing.T) {
	e, reference := newTestEngine(t, Options{DecisionCache: true}), newTestEngine(t, Options{})
	c := Context{Namespace: "shop", Phases: Validate | Mutate}
	templates := decisionCacheSize + decisionCacheSize/4
	pods := make([][]byte, templates)
	want := make([]Result, templates)
	for i := range pods {
		pod := replica(t, "web-7c9d6b5f4-x2k4q", func(spec map[string]any) {
			image := fmt.Sprintf("registry.example.com/shop/app-%d:1.0.%d", i%7, i)
			if i%3 == 0 {
				image = fmt.Sprintf("registry.example.com/shop/app-%d:latest", i)
			}
			fixture.At(spec, "containers", 0)["image"] = image
		})
		v, err := judge(t, reference, pod, c)
		if err != nil {
			t.Fatal(err)
		}
		if pods[i], err = json.Marshal(pod); err != nil {
			t.Fatal(err)
		}
		want[i] = v.Result
	}
	var wg sync.WaitGroup
	failures := make(chan string, 4)
	for worker := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 3 * templates {
				i := (n*(worker+1) + worker*31) % templates
				obj, err := normalize.Decode(pods[i])
				var v *Verdict
				if err == nil {
					v, err = e.Judge(context.Background(), obj, c)
				}
				if err != nil || !reflect.DeepEqual(v.Result, want[i]) {
					failures <- fmt.Sprintf("worker %d, template %d: %v, verdict %+v; want %+v", worker, i, err, v, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	if hits, misses := e.DecisionCacheStats(); hits == 0 || misses <= int64(2*templates) {
		t.Errorf("%d reused, %d evaluated: want both, and more evaluations than templates as the cache drops entries", hits, misses)
	}
}
