package main

import "github.com/podpolicy/podpolicy/webhook"

// checkMemoryLimit is check's soft memory limit (bytes) for jobs workers writing output.
// Streamed output (text, JSON) keeps only the documents in flight: the live heap measured
// 6 MiB at -j 2 and 11 MiB at -j 16 over 10,000 objects, so a limit of a few MiB per worker
// keeps the GOGC=400 heap from growing to five times that without collecting more often
// than GOGC=100 would. SARIF keeps every result to the end, so it gets serve's limit.
func checkMemoryLimit(jobs int, output string) int64 {
	if output == "sarif" {
		return webhook.ServeMemoryLimit
	}
	return min(int64(16+4*jobs)<<20, webhook.ServeMemoryLimit)
}
