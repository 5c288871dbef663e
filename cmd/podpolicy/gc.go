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
// Streamed output (text, JSON) keeps only the documents in flight and the engine: the live
// heap measured 9-10 MiB at -j 2 over 10,000 objects (5-6 MiB before the fourth round's
// kinds table, cases and larger library), so a limit of a few MiB per worker over that keeps
// the GOGC=400 heap from growing to five times it without collecting more often than GOGC=100
// would. At 16+4×jobs MiB the collector ran back to back (2.0 s for 10,000 objects at -j 2,
// against 1.56 s at 24+4×jobs, and 1.2 s at 48 MiB, at 86 MiB of RSS). The runtime's own
// memory counts against the limit too, so at 24+4×jobs the heap's goal was 20 MB and the
// collector was marking for more than half of the run; 32+4×jobs took 1.16-1.33 s instead of
// 1.49-1.85 s in one sitting, at 76 MB of peak RSS instead of 69 MB (the target is 100 MiB).
// SARIF keeps every result to the end, so it gets serve's limit.
func checkMemoryLimit(jobs int, output string) int64 {
	if output == "sarif" {
		return serveMemoryLimit
	}
	return min(int64(32+4*jobs)<<20, serveMemoryLimit)
}
