package main

import (
	"os"
	"runtime/debug"

	"github.com/go-logr/logr"
)

// serveMemoryLimit is serve's soft memory limit: well inside the chart's memory limit, and far
// above serve's live heap (the engine, the informers' caches and requests in flight).
const serveMemoryLimit = 96 << 20

// tuneGC trades memory for CPU unless GOGC or GOMEMLIMIT say otherwise, for serve and check:
// a request (or a checked document) allocates about 100 KiB and keeps none of it, so with the
// default GOGC=100 and a small live heap the collector runs many times a second under load.
// GOGC=400 spends less CPU collecting; the soft limit (bytes) caps what that costs in memory
// (profiled in docs/performance.md).
func tuneGC(log logr.Logger, limit int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
		log.V(1).Info("garbage collector tuned", "GOGC", 400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
		log.V(1).Info("garbage collector tuned", "GOMEMLIMITMiB", limit>>20)
	}
}

// checkMemoryLimit is check's soft memory limit (bytes) for jobs workers writing output.
// Streamed output (text, JSON) keeps only the documents in flight: the live heap measured
// 6 MiB at -j 2 and 11 MiB at -j 16 over 10,000 objects, so a limit of a few MiB per worker
// keeps the GOGC=400 heap from growing to five times that without collecting more often
// than GOGC=100 would. SARIF keeps every result to the end, so it gets serve's limit.
func checkMemoryLimit(jobs int, output string) int64 {
	if output == "sarif" {
		return serveMemoryLimit
	}
	return min(int64(16+4*jobs)<<20, serveMemoryLimit)
}
