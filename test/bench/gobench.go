package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// goBenchmark is one line of `go test -bench` output.
type goBenchmark struct {
	name                   string
	nsPerOp, bytes, allocs string
}

// runGoBenchmarks runs the named benchmarks of a package and parses their results.
func runGoBenchmarks(ctx context.Context, root, pkg, pattern string) ([]goBenchmark, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchmem", "-benchtime", "3s", "-count", "1", pkg)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, pkg, err, out)
	}
	var results []goBenchmark
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
		results = append(results, b)
	}
	return results, nil
}
