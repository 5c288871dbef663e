package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// benchRuns is how many times each Go benchmark runs; the table shows the median run, since
// one run on a shared 2-core machine can be off by tens of percent.
const benchRuns = 5

// serveGC are the garbage collector settings `podpolicy serve` applies to itself (tuneGC in
// cmd/podpolicy/gc.go); the in-process benchmarks run under them too, and once more under Go's
// defaults for comparison.
var serveGC = []string{"GOGC=400", "GOMEMLIMIT=96MiB"}

// goBenchmark is the median run of one benchmark of `go test -bench`.
type goBenchmark struct {
	name                   string
	nsPerOp, bytes, allocs string
}

// runGoBenchmarks runs the named benchmarks of a package benchRuns times, with env added to
// the environment, and returns the median run of each.
func runGoBenchmarks(ctx context.Context, root, pkg, pattern string, env []string) ([]goBenchmark, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchmem", "-benchtime", "2s", "-count", strconv.Itoa(benchRuns), pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, pkg, err, out)
	}
	runs := map[string][]goBenchmark{}
	var order []string
	scanner := bufio.NewScanner(bytes.NewReader(out))
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 8 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		b := goBenchmark{name: strings.TrimSuffix(fields[0], "-2")}
		for i := 1; i+1 < len(fields); i++ {
			switch fields[i+1] {
			case "ns/op":
				b.nsPerOp = fields[i]
			case "B/op":
				b.bytes = fields[i]
			case "allocs/op":
				b.allocs = fields[i]
			}
		}
		if _, seen := runs[b.name]; !seen {
			order = append(order, b.name)
		}
		runs[b.name] = append(runs[b.name], b)
	}
	var results []goBenchmark
	for _, name := range order {
		r := runs[name]
		slices.SortFunc(r, func(a, b goBenchmark) int {
			x, _ := strconv.ParseFloat(a.nsPerOp, 64)
			y, _ := strconv.ParseFloat(b.nsPerOp, 64)
			return int(x - y)
		})
		results = append(results, r[len(r)/2])
	}
	return results, nil
}
