package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/check"
	"github.com/podpolicy/podpolicy/test/harness"
)

// Bounds of podpolicy check that `make test` holds without a timed test: the peak memory of a
// run over 10× the input is at most checkMemoryGrowth times that over 1× (the input is
// streamed; what grows is only the summary), and below checkPeakRSSMiB at check's own GC
// settings (GOGC=400 under a soft limit of 32 MiB + 4 MiB per worker); the allocations per
// object read, judged and reported stay below maxAllocsPerCheckedObject. Measured on
// 2026-12-03: 53.0 and 54.7 MiB at GOGC=100 (1.03×), 54.9 MiB at check's GC settings (the
// target is 100 MiB; 83 MiB before the per-worker limit); 851 allocations per object without
// the race detector (1,046 before the block-YAML reader). On 2026-12-07, 65.4 and 69.0 MiB
// (1.06×) and 72.9 MiB: the binary's resident pages and the engine's live heap grew with the
// fourth round, and the limit rose from 16 to 24 MiB + 4 per worker, under which the collector
// ran back to back (2.4 s against 1.5 s for 10,000 objects), so the bound rose from 75 to
// 85 MiB. On 2026-12-07 (fifth round) the limit rose to 32 MiB + 4 per worker for 20-25% more
// objects a second, and the peak to 75.4-80 MiB, 44 MiB of it the binary's file-backed pages;
// the bound rose to 92 MiB, still under the 100 MiB target. Raise a bound only with a reason
// in the commit message.
const (
	checkMemoryGrowth         = 1.3
	checkPeakRSSMiB           = 92
	maxAllocsPerCheckedObject = 1000
)

// writeManifests writes n objects, the examples' compliant Deployment and the article's Pod in
// turn under new names, into one YAML file.
func writeManifests(t *testing.T, path string, n int) {
	t.Helper()
	var docs []string
	for _, name := range []string{"deployment.yaml", "web-server-pod.yaml", "cronjob.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	nameLine := regexp.MustCompile(`(?m)^  name: (\S+)$`)
	for i := range n {
		doc := nameLine.ReplaceAllString(docs[i%len(docs)], fmt.Sprintf("  name: ${1}-%d", i))
		fmt.Fprintf(w, "---\n%s", doc)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckMemoryDoesNotGrowWithTheInput(t *testing.T) {
	dir := t.TempDir()
	binary := filepath.Join(dir, "podpolicy")
	// Built without the race detector, whose shadow memory would swamp the figures.
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	peak := map[string]float64{}
	for _, run := range []struct {
		n int
		// gc is the collector's setting: the growth is measured at Go's default, where the
		// heap follows what is live; the bound at check's own.
		gc string
	}{{1000, "GOGC=100"}, {10000, "GOGC=100"}, {10000, ""}} {
		n := run.n
		path := filepath.Join(dir, fmt.Sprintf("objects-%d.yaml", n))
		if _, err := os.Stat(path); err != nil {
			writeManifests(t, path, n)
		}
		gc := []string{"GOGC=", "GOMEMLIMIT="}
		if run.gc != "" {
			gc = append(gc, run.gc)
		}
		out, usage, err := harness.Measure(context.Background(), "env", append(gc, binary, "check", "-f", path)...)
		if err != nil {
			t.Fatal(err)
		}
		if usage.Exit != check.ExitDenied {
			t.Fatalf("podpolicy check over %d objects: exit %d, want %d (a third are the article's Pod):\n%s", n, usage.Exit, check.ExitDenied, usage.Stderr)
		}
		want := fmt.Sprintf("%d objects checked: %d denied", n, (n+1)/3)
		if !strings.Contains(string(out), want) {
			t.Fatalf("podpolicy check over %d objects: no %q in its summary:\n%s", n, want, out[max(0, len(out)-300):])
		}
		peak[fmt.Sprint(n, run.gc)] = usage.PeakMiB()
	}
	small, large, tuned := peak["1000GOGC=100"], peak["10000GOGC=100"], peak["10000"]
	t.Logf("peak RSS at GOGC=100: %.1f MiB over 1,000 objects, %.1f MiB over 10,000 (%.2f×); %.1f MiB over 10,000 at check's GC settings", small, large, large/small, tuned)
	if large > checkMemoryGrowth*small {
		t.Errorf("peak RSS grew from %.1f to %.1f MiB for 10× the input; podpolicy check must stream", small, large)
	}
	if tuned > checkPeakRSSMiB {
		t.Errorf("peak RSS %.1f MiB over 10,000 objects, above %d MiB", tuned, checkPeakRSSMiB)
	}
}

func TestCheckAllocationsPerObjectStayBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "objects.yaml")
	const n = 300
	writeManifests(t, path, n)
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := check.Stream(context.Background(), engine, []string{path}, nil, check.StreamOptions{Jobs: 1}, func(*check.ObjectResult) error { return nil })
	runtime.ReadMemStats(&after)
	if err != nil || r.Summary.Objects != n {
		t.Fatalf("check over %d objects: %v, %+v", n, err, r.Summary)
	}
	perObject := float64(after.Mallocs-before.Mallocs) / n
	t.Logf("%.0f allocations per object read, judged and reported (bound %d)", perObject, maxAllocsPerCheckedObject)
	if perObject > maxAllocsPerCheckedObject {
		t.Errorf("podpolicy check allocates %.0f times per object, more than the bound of %d: a change made reading or judging allocate more", perObject, maxAllocsPerCheckedObject)
	}
}
