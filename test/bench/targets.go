package main

import (
	"fmt"
	"io"
	"time"
)

// figures are the measures the performance targets are stated in, gathered from the phases
// of one run; zero for a phase that did not run.
type figures struct {
	// decision is the in-process decision on the typical Pod, evaluated;
	// replicaDecision the same for a replica whose decision the cache holds.
	decision, replicaDecision time.Duration
	// saturation is podpolicy's saturation throughput over the null webhook server's.
	saturation float64
	// ownShare is podpolicy's own share of a Pod create's median (podpolicy less the null
	// webhook with the same patch); ownShareOwnProcess the same against that null webhook
	// in a process of its own.
	ownShare, ownShareOwnProcess time.Duration
	// checkRate is podpolicy check's objects per second on 10,000 YAML objects.
	checkRate float64
	// auditRatio is the admission p99 while the audit runs over the p99 without.
	auditRatio float64
	// burst is the median time to 300 Pods with podpolicy over the null webhook's.
	burst float64
}

// writeTargets prints the targets of the performance issue side by side with this run's
// figures, each marked met or not.
func writeTargets(w io.Writer, f *figures) {
	fmt.Fprintf(w, "\n## Targets (this run)\n\n| figure | this run | target | |\n|---|---|---|---|\n")
	row := func(name, value, target string, measured, ok bool) {
		verdict := met(ok)
		if !measured {
			value, verdict = "not measured", ""
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, value, target, verdict)
	}
	row("in-process decision, typical Pod, serve's GC (evaluated)", micro(f.decision), "≤ 25 µs", f.decision > 0, f.decision <= 25*time.Microsecond)
	row("in-process decision, a replica the decision cache holds", micro(f.replicaDecision), "≤ 25 µs", f.replicaDecision > 0, f.replicaDecision <= 25*time.Microsecond)
	row("saturation vs the null webhook server", fmt.Sprintf("%.2f×", f.saturation), "≥ 0.6×", f.saturation > 0, f.saturation >= 0.6)
	row("podpolicy's own share of a Pod create (vs the null webhook with the same patch, in the benchmark's process)", ms(f.ownShare), "≤ 0.5 ms", f.ownShare != 0, f.ownShare <= 500*time.Microsecond)
	row("podpolicy's own share of a Pod create (vs the same null webhook in a process of its own)", ms(f.ownShareOwnProcess), "≤ 0.5 ms", f.ownShareOwnProcess != 0, f.ownShareOwnProcess <= 500*time.Microsecond)
	row("`podpolicy check`, 10,000 YAML objects", fmt.Sprintf("%.0f objects/s (median of %d runs)", f.checkRate, headlineRuns), "≥ 10,000 objects/s", f.checkRate > 0, f.checkRate >= 10000)
	row("admission p99 while the audit runs, vs without", fmt.Sprintf("%.2f×", f.auditRatio), "≤ 1.5×", f.auditRatio > 0, f.auditRatio <= 1.5)
	row("a Deployment scaled 0 → 300: time to 300 Pods, vs the null webhook", fmt.Sprintf("%.2f×", f.burst), "≤ 1.1×", f.burst > 0, f.burst <= 1.1)
}

func micro(d time.Duration) string {
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}

// writeBursts prints the replica bursts (section 7) and records their ratio.
func writeBursts(w io.Writer, b *burstSet, f *figures) {
	fmt.Fprintf(w, "\n## 7. A Deployment scaled 0 → %d replicas (real API server and controllers, %d bursts per configuration taking turns)\n\n", b.replicas, burstRounds)
	fmt.Fprintf(w, "From the scale request until every Pod exists; each Pod created by the ReplicaSet controller through the webhooks.\n\n")
	fmt.Fprintf(w, "| configuration | median | slowest | webhook CPU per burst |\n|---|---|---|---|\n")
	var null, podpolicy time.Duration
	for _, s := range b.setups {
		cpu := ""
		if s.pid != 0 {
			cpu = fmt.Sprintf("%.2f s", s.cpu/float64(len(s.durations)))
		}
		median := s.durations[len(s.durations)/2]
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", s.name, ms(median), ms(s.durations[len(s.durations)-1]), cpu)
		switch s.name {
		case burstNull:
			null = median
		case burstPodpolicy:
			podpolicy = median
		}
	}
	f.burst = ratio(podpolicy, null)
	fmt.Fprintf(w, "| **ratio podpolicy / null webhook** | **%.2f×** | | |\n", f.burst)
}
