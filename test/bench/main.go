// Command bench measures podpolicy and prints one table (`make bench`): the engine alone, one
// in-process request, HTTPS on loopback side by side with a plain OPA server running the same
// Rego, and Pod creates through a real API server with and without podpolicy registered.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// burstReplicas is -burst-replicas.
var burstReplicas *int

func main() {
	// The load generator shares the two cores with the server it measures and charges every
	// delay of its own to that server's latency; collecting its garbage less often keeps its
	// pauses out of both servers' tails.
	debug.SetGCPercent(400)
	duration := flag.Duration("duration", 10*time.Second, "length of each load phase")
	rates := flag.String("rates", "500,1000,2000", "fixed arrival rates (req/s) of the open-loop phases")
	workers := flag.Int("workers", 32, "requests in flight in the saturation phase")
	pods := flag.Int("pods", 300, "Pod creates measured through the API server per phase")
	burstReplicas = flag.Int("burst-replicas", 300, "replicas of the Deployment the burst phase scales up from 0")
	out := flag.String("out", "", "also write the table to this file")
	scaleOnly := flag.Bool("scale-only", false, "run only phase 5, the background audit of a 5,000-Pod cluster")
	checkOnly := flag.Bool("check-only", false, "run only phase 6, podpolicy check side by side with conftest")
	createsOnly := flag.Bool("creates-only", false, "run only phases 4 and 7, Pod creates and replica bursts through the API server")
	nullDir := flag.String(serveNullFlag, "", "serve as the null webhook server with the certificate in this directory (the loopback phase starts it)")
	nullPatch := flag.String(serveNullPatchFlag, "", "with -"+serveNullFlag+", the JSON Patch /mutate answers with")
	flag.Parse()
	if *nullDir != "" {
		var patch []byte
		if *nullPatch != "" {
			patch = []byte(*nullPatch)
		}
		if err := serveNull(*nullDir, patch); err != nil {
			fmt.Fprintf(os.Stderr, "bench: null webhook server: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *createsOnly {
		if err := runCreates(context.Background(), *pods, *out); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), *duration, *rates, *workers, *pods, *out, *scaleOnly, *checkOnly); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, duration time.Duration, rateList string, workers, pods int, outPath string, scaleOnly, checkOnly bool) error {
	root, err := harness.RepoRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "podpolicy-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var table strings.Builder
	w := io.MultiWriter(os.Stdout, &table)
	fmt.Fprintf(w, "# podpolicy benchmarks\n\n%s, %d CPUs, %s; %s per load phase\n", runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format(time.DateOnly), duration)

	fig := &figures{}
	if !scaleOnly && !checkOnly {
		if err := goBenchSection(ctx, w, root, fig); err != nil {
			return err
		}
	}

	binary, err := harness.BuildPodpolicy(ctx, dir)
	if err != nil {
		return err
	}
	if checkOnly {
		if err := checkPhase(ctx, w, root, binary, filepath.Join(dir, "check"), fig); err != nil {
			return err
		}
		writeTargets(w, fig)
		return writeTable(outPath, table.String())
	}
	ca, err := certs.NewCA("bench CA", 24*time.Hour, time.Now())
	if err != nil {
		return err
	}
	bodies, err := requestMix(root)
	if err != nil {
		return err
	}
	var rates []int
	for _, r := range strings.Split(rateList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(r))
		if err != nil {
			return fmt.Errorf("-rates: %w", err)
		}
		rates = append(rates, n)
	}

	if !scaleOnly {
		if err := serverSections(ctx, w, root, binary, dir, ca, bodies, rates, workers, pods, duration, fig); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "bench: the background audit of a 5,000-Pod cluster...\n")
	scale, err := scalePhase(ctx, binary, filepath.Join(dir, "scale"), ca, bodies)
	if err != nil {
		return err
	}
	writeScale(w, scale, fig)
	if !scaleOnly {
		if err := checkPhase(ctx, w, root, binary, filepath.Join(dir, "check"), fig); err != nil {
			return err
		}
		if err := burstsSection(ctx, w, binary, dir, ca, fig); err != nil {
			return err
		}
	}
	writeTargets(w, fig)
	return writeTable(outPath, table.String())
}

// createsSection measures Pod creates through the API server (section 4): with no webhook, the
// null webhooks and podpolicy, and where a webhook call's time goes.
func createsSection(ctx context.Context, w io.Writer, binary, dir string, ca *certs.CA, pods int, fig *figures) error {
	fmt.Fprintf(os.Stderr, "bench: Pod creates through the API server...\n")
	creates, err := apiServerLatency(ctx, binary, filepath.Join(dir, "apiserver"), ca, pods)
	if err != nil {
		return err
	}
	row := func(name string, l []time.Duration) {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, ms(percentile(l, 0.5)), ms(percentile(l, 0.99)), ms(percentile(l, 0.5)-percentile(creates.baseline, 0.5)))
	}
	fmt.Fprintf(w, "\n## 4. Pod creates through the real API server (%d sequential creates per configuration, in %d rounds in which the configurations take turns, same control plane)\n\n",
		len(creates.baseline), apiServerRounds)
	fmt.Fprintf(w, "| | median | p99 | median added over no webhook |\n|---|---|---|---|\n")
	row("no webhook", creates.baseline)
	row("null webhook (validating + mutating, admits unseen)", creates.nullWebhook)
	row("null webhook answering /mutate with podpolicy's patch", creates.patchingWebhook)
	row("the same null webhook in a process of its own", creates.ownProcess)
	row("podpolicy (validating + mutating)", creates.podpolicy)
	ownShare := percentile(creates.podpolicy, 0.5) - percentile(creates.patchingWebhook, 0.5)
	ownShareOwnProcess := percentile(creates.podpolicy, 0.5) - percentile(creates.ownProcess, 0.5)
	fig.ownShare, fig.ownShareOwnProcess = ownShare, ownShareOwnProcess
	fmt.Fprintf(w, "| **podpolicy's own share (podpolicy − null webhook with the same patch)** | **%s** | | |\n", ms(ownShare))
	fmt.Fprintf(w, "| **podpolicy's own share (podpolicy − that null webhook in its own process)** | **%s** | | |\n", ms(ownShareOwnProcess))
	fmt.Fprintf(w, "\nThe API server made %d calls to the null webhook over %d connection(s).\n", creates.nullCalls, creates.nullConns)
	fmt.Fprintf(w, "\nWhere a webhook call's time goes, per call (the API server's `apiserver_admission_webhook_admission_duration_seconds`, podpolicy's own `podpolicy_admission_duration_seconds`), and the connections the API server holds open to each:\n\n")
	fmt.Fprintf(w, "| webhook process | calls | API server's call | the webhook's handler | the rest (transport, TLS, encoding, scheduling) | connections |\n|---|---|---|---|---|---|\n")
	for _, c := range []struct {
		name string
		t    *callTimes
	}{{"the null webhook (own process)", creates.calls["own-process"]}, {"podpolicy", creates.calls["with-podpolicy"]}} {
		api := perCall(c.t.apiServer, c.t.apiServerCalls)
		own := "—"
		rest := "—"
		if c.t.ownCalls > 0 {
			handler := perCall(c.t.own, c.t.ownCalls)
			own, rest = ms(handler), ms(api-handler)
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %d |\n", c.name, c.t.apiServerCalls, ms(api), own, rest, c.t.connections)
	}

	return nil
}

// runCreates runs only the phases through the API server: Pod creates (section 4) and
// replica bursts (section 7), and their targets.
func runCreates(ctx context.Context, pods int, outPath string) error {
	dir, err := os.MkdirTemp("", "podpolicy-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var table strings.Builder
	w := io.MultiWriter(os.Stdout, &table)
	fmt.Fprintf(w, "# podpolicy benchmarks: Pod creates and replica bursts\n\n%s, %d CPUs, %s\n", runtime.Version(), runtime.NumCPU(), time.Now().UTC().Format(time.DateOnly))
	binary, err := harness.BuildPodpolicy(ctx, dir)
	if err != nil {
		return err
	}
	ca, err := certs.NewCA("bench CA", 24*time.Hour, time.Now())
	if err != nil {
		return err
	}
	fig := &figures{}
	if err := createsSection(ctx, w, binary, dir, ca, pods, fig); err != nil {
		return err
	}
	if err := burstsSection(ctx, w, binary, dir, ca, fig); err != nil {
		return err
	}
	writeTargets(w, fig)
	return writeTable(outPath, table.String())
}

func writeTable(path, table string) error {
	if path == "" {
		return nil
	}
	return os.WriteFile(path, []byte(table), 0o644)
}

// loadPhases runs the open-loop rates and then saturation against one server.
func loadPhases(ctx context.Context, t *target, bodies [][]byte, rates []int, workers int, d time.Duration) []result {
	// Warm up connections and the server's caches.
	closedLoop(ctx, t, bodies, workers, time.Second)
	var results []result
	for _, rate := range rates {
		results = append(results, openLoop(ctx, t, bodies, rate, d))
	}
	return append(results, closedLoop(ctx, t, bodies, workers, d))
}

// requestMix returns AdmissionReview bodies: the compliant Pod, the article's Pod and a
// Deployment from examples/.
func requestMix(root string) ([][]byte, error) {
	var bodies [][]byte
	for i, name := range []string{"web-server-pod-fixed.yaml", "web-server-pod.yaml", "deployment.yaml"} {
		src, err := os.ReadFile(filepath.Join(root, "examples", name))
		if err != nil {
			return nil, err
		}
		object, err := yaml.YAMLToJSON(src)
		if err != nil {
			return nil, err
		}
		var meta struct{ Kind, APIVersion string }
		if err := json.Unmarshal(object, &meta); err != nil {
			return nil, err
		}
		group, version, found := strings.Cut(meta.APIVersion, "/")
		if !found {
			group, version = "", meta.APIVersion
		}
		resource := strings.ToLower(meta.Kind) + "s"
		body, err := json.Marshal(map[string]any{
			"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
			"request": map[string]any{
				"uid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "operation": "CREATE", "namespace": "shop",
				"kind":     map[string]any{"group": group, "version": version, "kind": meta.Kind},
				"resource": map[string]any{"group": group, "version": version, "resource": resource},
				"object":   json.RawMessage(object),
			},
		})
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, body)
	}
	return bodies, nil
}

func micros(nsPerOp string) string {
	ns, err := strconv.ParseFloat(nsPerOp, 64)
	if err != nil {
		return nsPerOp
	}
	return fmt.Sprintf("%.0f µs", ns/1000)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// serverSections loads podpolicy serve and the plain OPA server over HTTPS (section 3) and
// measures Pod creates through the API server (section 4).
func serverSections(ctx context.Context, w io.Writer, root, binary, dir string, ca *certs.CA, bodies [][]byte, rates []int, workers, pods int, duration time.Duration, fig *figures) error {
	fmt.Fprintf(os.Stderr, "bench: HTTPS on loopback, podpolicy serve...\n")
	pp, ppTarget, err := startPodpolicy(ctx, binary, filepath.Join(dir, "serve"), ca)
	if err != nil {
		return err
	}
	ppResults, ppRSS := loadAndStop(ctx, ppTarget, func() { _ = pp.Stop() }, bodies, rates, workers, duration)

	fmt.Fprintf(os.Stderr, "bench: HTTPS on loopback, the null webhook server...\n")
	null, nullTarget, err := startNullServer(ctx, filepath.Join(dir, "null"), ca, nil)
	if err != nil {
		return err
	}
	nullResults, nullRSS := loadAndStop(ctx, nullTarget, null.stop, bodies, rates, workers, duration)

	fmt.Fprintf(os.Stderr, "bench: HTTPS on loopback, opa run --server...\n")
	opa, opaTarget, err := startOPA(ctx, root, filepath.Join(dir, "opa"), ca)
	if err != nil {
		return err
	}
	opaResults, opaRSS := loadAndStop(ctx, opaTarget, opa.stop, bodies, rates, workers, duration)

	fmt.Fprintf(w, "\n## 3. HTTPS on loopback (keep-alive, HTTP/1.1, same ECDSA P-256 certificate type, same request mix: compliant Pod, violating Pod, Deployment)\n\n"+
		"The null webhook server is the same Go TLS and HTTP stack, in a process of its own under serve's GC settings, answering every review allowed without evaluating it: the ceiling of this machine.\n\n")
	fmt.Fprintf(w, "| phase | server | throughput (req/s) | p50 | p99 | p99.9 | errors | CPU s / 1000 req |\n|---|---|---|---|---|---|---|---|\n")
	for i := range ppResults {
		for _, r := range []struct {
			name string
			res  result
		}{{ppTarget.name, ppResults[i]}, {nullTarget.name, nullResults[i]}, {opaTarget.name, opaResults[i]}} {
			fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %s | %d of %d | %.3f |\n", r.res.phase, r.name, r.res.throughput(),
				ms(r.res.percentile(0.50)), ms(r.res.percentile(0.99)), ms(r.res.percentile(0.999)), r.res.errors, r.res.sent, r.res.cpuPer1000())
		}
		for _, base := range []struct {
			name string
			res  result
		}{{"null webhook", nullResults[i]}, {"OPA", opaResults[i]}} {
			fmt.Fprintf(w, "| %s | **ratio podpolicy/%s** | **%.2f×** | %.2f× | %.2f× | | | %.2f× |\n", ppResults[i].phase, base.name,
				ppResults[i].throughput()/base.res.throughput(),
				ratio(ppResults[i].percentile(0.5), base.res.percentile(0.5)), ratio(ppResults[i].percentile(0.99), base.res.percentile(0.99)),
				ppResults[i].cpuPer1000()/base.res.cpuPer1000())
		}
	}
	fmt.Fprintf(w, "\nPeak RSS under load: podpolicy %.1f MiB, null webhook server %.1f MiB, OPA %.1f MiB.\n", ppRSS, nullRSS, opaRSS)

	if err := createsSection(ctx, w, binary, dir, ca, pods, fig); err != nil {
		return err
	}
	ownShare := fig.ownShare

	// The serve targets, each a ratio or bound measured in this run.
	sat := len(ppResults) - 1
	fmt.Fprintf(w, "\n### Serve targets (this run)\n\n| target | measured | |\n|---|---|---|\n")
	fmt.Fprintf(w, "| in-process decision ≤ 75 µs median under serve's GC settings | %s | %s |\n", micros(strconv.FormatInt(fig.decision.Nanoseconds(), 10)), met(fig.decision > 0 && fig.decision <= 75*time.Microsecond))
	fmt.Fprintf(w, "| podpolicy's own share of a Pod create ≤ 0.5 ms median | %s | %s |\n", ms(ownShare), met(ownShare <= 500*time.Microsecond))
	for i, rate := range rates {
		if rate == 1000 {
			r := ratio(ppResults[i].percentile(0.99), nullResults[i].percentile(0.99))
			fmt.Fprintf(w, "| loopback p99 at 1,000 req/s ≤ 1.5× the null webhook's | %.2f× (%s vs %s) | %s |\n", r,
				ms(ppResults[i].percentile(0.99)), ms(nullResults[i].percentile(0.99)), met(r <= 1.5))
		}
	}
	satNull := ppResults[sat].throughput() / nullResults[sat].throughput()
	fig.saturation = satNull
	satOPA := ppResults[sat].throughput() / opaResults[sat].throughput()
	fmt.Fprintf(w, "| saturation ≥ 0.6× the null webhook's | %.2f× (%.0f vs %.0f req/s) | %s |\n", satNull, ppResults[sat].throughput(), nullResults[sat].throughput(), met(satNull >= 0.6))
	fmt.Fprintf(w, "| saturation ≥ 5× `opa run --server` | %.2f× | %s |\n", satOPA, met(satOPA >= 5))
	fmt.Fprintf(w, "| RSS ≤ 128 MiB under load | %.1f MiB | %s |\n", ppRSS, met(ppRSS <= 128))
	return nil
}

// loadAndStop runs the load phases against a started server, reads its peak RSS and stops it.
func loadAndStop(ctx context.Context, t *target, stop func(), bodies [][]byte, rates []int, workers int, duration time.Duration) ([]result, float64) {
	defer stop()
	results := loadPhases(ctx, t, bodies, rates, workers, duration)
	return results, harness.PeakRSS(t.pid)
}

// goBenchSection runs the engine and in-process request benchmarks (sections 1-2).
// It records the medians of the in-process decision on the typical Pod under serve's GC,
// evaluated and as a replica the decision cache holds.
func goBenchSection(ctx context.Context, w io.Writer, root string, fig *figures) error {
	fmt.Fprintf(os.Stderr, "bench: engine and in-process request (go test -bench)...\n")
	engine, err := runGoBenchmarks(ctx, root, "./policies", "BenchmarkEvaluate", serveGC)
	if err != nil {
		return err
	}
	request, err := runGoBenchmarks(ctx, root, "./webhook", "BenchmarkValidateRequest", serveGC)
	if err != nil {
		return err
	}
	requestDefaultGC, err := runGoBenchmarks(ctx, root, "./webhook", "BenchmarkValidateRequest", nil)
	if err != nil {
		return err
	}
	for _, b := range request {
		ns, _ := strconv.ParseFloat(b.nsPerOp, 64)
		switch {
		case strings.HasSuffix(b.name, "/TypicalPod"):
			fig.decision = time.Duration(ns)
		case strings.HasSuffix(b.name, "/TypicalPodReplicas"):
			fig.replicaDecision = time.Duration(ns)
		}
	}
	fmt.Fprintf(w, "\n## 1-2. Engine alone, and one request in process (no HTTP)\n\nMedian of %d runs, under serve's garbage collector settings (%s) unless marked.\n\n| benchmark | time/op | B/op | allocs/op |\n|---|---|---|---|\n",
		benchRuns, strings.Join(serveGC, " "))
	for _, b := range append(engine, request...) {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", b.name, micros(b.nsPerOp), b.bytes, b.allocs)
	}
	for _, b := range requestDefaultGC {
		fmt.Fprintf(w, "| %s (Go's default GC) | %s | %s | %s |\n", b.name, micros(b.nsPerOp), b.bytes, b.allocs)
	}
	return nil
}
