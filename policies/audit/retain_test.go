package audit

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// TestFindingsDoNotHoldTheListedText: the audit keeps a finding for every top owner until
// its Reports are written, and those must not keep the text of what was listed alive. 2,000
// bare Pods, each with 4 KiB of annotations and status no rule reads, are listed in one page
// (8 MiB of text); after the scan, with its findings still held, the heap may have grown by
// 1 KiB a Pod at most. Before findings copied the strings they keep, every page's text stayed
// (about 5 KiB a Pod here).
func TestFindingsDoNotHoldTheListedText(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const count = 2000
	spec := fixture.PodSpec(t)
	padding := strings.Repeat("x", 4096)
	var pods []map[string]any
	for i := range count {
		pods = append(pods, map[string]any{
			"metadata": map[string]any{
				"name": fmt.Sprintf("web-%05d", i), "namespace": "shop", "uid": fmt.Sprintf("uid-%05d", i),
				"annotations": map[string]any{"example.com/notes": padding},
			},
			"spec":   fixture.DeepCopy(spec),
			"status": map[string]any{"phase": "Running", "message": padding[:512]},
		})
	}
	lister := listed{"Namespace": {{"metadata": map[string]any{"name": "shop"}}}, "Pod": pods}
	// A first scan of one Pod makes what is made once per engine.
	if _, err := Scan(context.Background(), Options{Engine: engine, Lister: listed{"Pod": pods[:1]}}); err != nil {
		t.Fatal(err)
	}
	before := liveHeap()
	run, err := Scan(context.Background(), Options{Engine: engine, Lister: lister})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Findings) != count {
		t.Fatalf("%d findings, want one for each of the %d Pods", len(run.Findings), count)
	}
	after := liveHeap()
	grown := int64(after) - int64(before)
	t.Logf("live heap %d KiB before the scan, %d KiB after it with %d findings held", before>>10, after>>10, count)
	if grown > count<<10 {
		t.Errorf("the heap grew by %d KiB with %d findings held, more than 1 KiB a finding: findings hold the listed text", grown>>10, count)
	}
	runtime.KeepAlive(run)
	runtime.KeepAlive(lister)
}

// liveHeap is the heap in use after two collections (the second empties the pools' victims).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
