package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// The cluster of the scale phase: scaleNamespaces namespaces, each with scaleDeployments
// Deployments of replicasPerDeployment(i) replicas and scaleBarePods bare Pods, 5,000 Pods in all.
const (
	scaleNamespaces  = 100
	scaleDeployments = 5
	scaleBarePods    = 2
	// scaleAuditInterval leaves room between audits for the load phase's quiet windows.
	scaleAuditInterval = 12 * time.Second
	// scaleLoadRate is the arrival rate of admission requests during the load phase.
	scaleLoadRate = 200
	// scaleLoad covers at least two audits and the quiet time between them.
	scaleLoad = 45 * time.Second
	// scaleProbeRate is the arrival rate of requests to the null webhook server in a process
	// of its own, sent alongside the load: its p99 with and without an audit running tells
	// what the audit does to every process on the machine from what it does to serve's.
	scaleProbeRate = 100
)

// replicasPerDeployment gives 3 Deployments of 10 and 2 of 9 per namespace: 48 Pods.
func replicasPerDeployment(i int) int32 {
	if i < 3 {
		return 10
	}
	return 9
}

// scaleResult is what the scale phase measured.
type scaleResult struct {
	pods, owners       int
	setup              time.Duration
	first, second      auditRun
	largestReport      int
	largestReportName  string
	reports            int
	peakRSS            float64
	quiet, duringAudit []time.Duration
	loadErrors         int
	// probeQuiet and probeDuring are the null webhook server's latencies alongside the load.
	probeQuiet, probeDuring []time.Duration
	probeErrors             int
	// cpu is what each process used during the load, an audit running or not.
	cpu cpuShares
}

// auditRun is one audit of serve, measured from outside: its wall time from serve's log, the
// CPU serve spent from the end of the previous audit (serve is otherwise idle then), and the
// Reports it created or changed.
type auditRun struct {
	wall    time.Duration
	cpu     float64
	written float64
	objects float64
	// reused counts the objects whose verdict the audit took from the one before.
	reused float64
}

// scalePhase builds the cluster with the real controllers, starts podpolicy serve with the
// background audit, and measures two audits of the quiet cluster (the first writes every
// Report, the second finds nothing changed), then admission latency under a steady load,
// telling apart the requests that arrived while an audit ran.
func scalePhase(ctx context.Context, binary, dir string, ca *certs.CA, bodies [][]byte) (*scaleResult, error) {
	crd, err := harness.ReportsCRD(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := harness.StartControlPlane(filepath.Join(dir, "control-plane"), crd)
	if err != nil {
		return nil, err
	}
	defer cp.Stop()
	res := &scaleResult{}
	start := time.Now()
	if res.pods, res.owners, err = buildScaleCluster(ctx, cp); err != nil {
		return nil, err
	}
	res.setup = time.Since(start)
	// The Lease's namespace, and that of the load's requests: the API server sends no request
	// for a namespace that does not exist.
	for _, ns := range []string{"podpolicy-system", "shop"} {
		if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return nil, err
		}
	}

	w, err := harness.StartWebhook(ctx, harness.WebhookOptions{
		Binary: binary, Dir: filepath.Join(dir, "serve"), CA: ca, Kubeconfig: cp.Kubeconfig,
		Args: []string{"--audit-interval=" + scaleAuditInterval.String(), "--audit-lease-namespace=podpolicy-system"},
	})
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	// Serve is idle but for its audits until the load phase: the CPU it spends from one audit's
	// end to the next one's is that audit's.
	cpu := harness.CPUSeconds(w.PID())
	for _, run := range []*auditRun{&res.first, &res.second} {
		written := metricValue(w, "podpolicy_audit_reports_written_total")
		audits, err := waitForAudit(ctx, w, len(auditsOf(w))+1, 3*time.Minute)
		if err != nil {
			return nil, err
		}
		now := harness.CPUSeconds(w.PID())
		run.cpu, cpu = now-cpu, now
		run.wall = audits[len(audits)-1].duration
		run.written = metricValue(w, "podpolicy_audit_reports_written_total") - max(written, 0)
		run.objects = metricValue(w, "podpolicy_audit_objects")
		run.reused = metricValue(w, "podpolicy_audit_verdicts_reused")
	}
	if res.reports, res.largestReportName, res.largestReport, err = largestReport(ctx, cp); err != nil {
		return nil, err
	}

	// The load phase: a steady arrival rate, each request's latency filed by whether an audit
	// was running when it was sent.
	t := &target{name: "podpolicy serve", url: w.URL("/validate"), pid: w.PID(), client: newClient(ca.Cert, 64)}
	closedLoop(ctx, t, bodies, 8, time.Second)
	null, probe, err := startNullServer(ctx, filepath.Join(dir, "null-probe"), ca, nil)
	if err != nil {
		return nil, err
	}
	defer null.stop()
	closedLoop(ctx, probe, bodies, 8, time.Second)
	loadStart := time.Now()
	stopSampling := make(chan struct{})
	sampled := sampleCPU(stopSampling)
	probed := make(chan struct{})
	var probeSent []time.Time
	var probeLatencies []time.Duration
	go func() {
		defer close(probed)
		probeSent, probeLatencies, res.probeErrors = timedOpenLoop(ctx, probe, bodies, scaleProbeRate, scaleLoad)
	}()
	sent, latencies, errs := timedOpenLoop(ctx, t, bodies, scaleLoadRate, scaleLoad)
	<-probed
	close(stopSampling)
	samples := <-sampled
	res.loadErrors = errs
	// The audit that may still run when the load ends must be in the log to classify its requests.
	if _, err := waitForAudit(ctx, w, len(auditsOf(w))+1, 3*time.Minute); err != nil {
		return nil, err
	}
	windows := auditsOf(w)
	res.cpu = sharesOf(samples, windows)
	res.quiet, res.duringAudit = byAudit(sent, latencies, loadStart, windows)
	res.probeQuiet, res.probeDuring = byAudit(probeSent, probeLatencies, loadStart, windows)
	res.peakRSS = harness.PeakRSS(w.PID())
	return res, nil
}

// byAudit files the latencies of the requests sent after start by whether an audit window
// held their sending time, each list sorted.
func byAudit(sent []time.Time, latencies []time.Duration, start time.Time, windows []auditWindow) (quiet, during []time.Duration) {
	for i, at := range sent {
		switch {
		case !at.After(start):
		case duringAny(at, windows):
			during = append(during, latencies[i])
		default:
			quiet = append(quiet, latencies[i])
		}
	}
	slices.Sort(quiet)
	slices.Sort(during)
	return quiet, during
}

// buildScaleCluster creates the namespaces, Deployments and bare Pods, and waits until the
// controllers have created every Deployment's Pods. It returns the Pods and top owners.
func buildScaleCluster(ctx context.Context, cp *harness.ControlPlane) (int, int, error) {
	compliant, err := harness.FixedPod()
	if err != nil {
		return 0, 0, err
	}
	violating := compliant.DeepCopy()
	for i := range violating.Spec.Containers {
		c := &violating.Spec.Containers[i]
		c.Image = strings.Split(c.Image, ":")[0] + ":latest"
		c.SecurityContext = nil
		c.Resources = corev1.ResourceRequirements{}
	}
	// One Deployment whose Pods have 40 such containers: its Report is the largest, and is
	// bounded.
	wide := violating.DeepCopy()
	wide.Spec.Containers = nil
	for i := range 40 {
		c := violating.Spec.Containers[0].DeepCopy()
		c.Name = fmt.Sprintf("worker-%02d", i)
		c.Ports = nil
		c.LivenessProbe, c.ReadinessProbe = nil, nil
		wide.Spec.Containers = append(wide.Spec.Containers, *c)
	}
	pods, owners := 0, 0
	for n := range scaleNamespaces {
		ns := fmt.Sprintf("tenant-%02d", n)
		if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return 0, 0, err
		}
		for d := range scaleDeployments {
			spec := compliant.Spec
			switch {
			case n == 0 && d == 0:
				spec = wide.Spec
			case d == scaleDeployments-1:
				spec = violating.Spec
			}
			name := fmt.Sprintf("app-%d", d)
			labels := map[string]string{"app": name}
			deployment := &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				Spec: appsv1.DeploymentSpec{
					Replicas: ptr.To(replicasPerDeployment(d)), Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: *spec.DeepCopy()},
				},
			}
			if _, err := cp.Client.AppsV1().Deployments(ns).Create(ctx, deployment, metav1.CreateOptions{}); err != nil {
				return 0, 0, err
			}
			pods += int(replicasPerDeployment(d))
			owners++
		}
		for p := range scaleBarePods {
			pod := compliant.DeepCopy()
			if p == 1 {
				pod = violating.DeepCopy()
			}
			pod.Name, pod.Namespace = fmt.Sprintf("debug-%d", p), ns
			if _, err := cp.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				return 0, 0, err
			}
			pods++
			owners++
		}
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		n, err := countPods(ctx, cp)
		if err != nil {
			return 0, 0, err
		}
		if n >= pods {
			return n, owners, nil
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("the controllers created %d of %d Pods within 10 minutes", n, pods)
		}
		time.Sleep(2 * time.Second)
	}
}

// countPods counts the cluster's Pods page by page.
func countPods(ctx context.Context, cp *harness.ControlPlane) (int, error) {
	n, cont := 0, ""
	for {
		list, err := cp.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 500, Continue: cont})
		if err != nil {
			return 0, err
		}
		n += len(list.Items)
		if cont = list.Continue; cont == "" {
			return n, nil
		}
	}
}

// largestReport returns the number of Reports and the name and JSON size of the largest.
func largestReport(ctx context.Context, cp *harness.ControlPlane) (int, string, int, error) {
	count, largest, name, cont := 0, 0, "", ""
	for {
		raw, err := cp.Client.CoreV1().RESTClient().Get().AbsPath("/apis/openreports.io/v1alpha1/reports").
			Param("limit", "100").Param("continue", cont).DoRaw(ctx)
		if err != nil {
			return 0, "", 0, err
		}
		var list struct {
			Metadata struct{ Continue string }
			Items    []jsonObject
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return 0, "", 0, err
		}
		for _, item := range list.Items {
			count++
			if len(item.raw) > largest {
				largest, name = len(item.raw), item.Metadata.Namespace+"/"+item.Metadata.Name
			}
		}
		if cont = list.Metadata.Continue; cont == "" {
			return count, name, largest, nil
		}
	}
}

// writeScale prints section 5 with each target and whether it is met.
func writeScale(w io.Writer, s *scaleResult, fig *figures) {
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	quiet, during := percentile(s.quiet, 0.99), percentile(s.duringAudit, 0.99)
	fmt.Fprintf(w, "\n## 5. Background audit at scale (real API server and controllers)\n\n")
	fmt.Fprintf(w, "%d Pods in %d namespaces (%d Deployments of 9-10 replicas, %d bare Pods; one Deployment of 40 violating containers), %d top owners; built by kube-controller-manager in %s. "+
		"podpolicy serve audits every %s with the chart's defaults (pages of 500, duty cycle 0.5 paced in 2 ms slices, on a nice 19 thread).\n\n",
		s.pods, scaleNamespaces, scaleNamespaces*scaleDeployments, scaleNamespaces*scaleBarePods, s.owners, s.setup.Round(time.Second), scaleAuditInterval)
	fmt.Fprintf(w, "| measure | value | target | |\n|---|---|---|---|\n")
	fmt.Fprintf(w, "| first audit (writes every Report): wall | %s | ≤ 15 s | %s |\n", s.first.wall.Round(time.Millisecond), met(s.first.wall <= 15*time.Second))
	fmt.Fprintf(w, "| first audit: CPU of serve | %.2f s | | |\n", s.first.cpu)
	fmt.Fprintf(w, "| first audit: Reports written | %.0f | one per top owner (%d) | %s |\n", s.first.written, s.owners, met(int(s.first.written) == s.owners))
	fmt.Fprintf(w, "| second audit (unchanged cluster): wall | %s | ≤ 15 s | %s |\n", s.second.wall.Round(time.Millisecond), met(s.second.wall <= 15*time.Second))
	fmt.Fprintf(w, "| second audit: CPU of serve | %.2f s | | |\n", s.second.cpu)
	fmt.Fprintf(w, "| second audit: Reports written | %.0f | 0 | %s |\n", s.second.written, met(s.second.written == 0))
	fmt.Fprintf(w, "| objects judged per audit (templates and Pods) | %.0f | | |\n", s.second.objects)
	fmt.Fprintf(w, "| second audit: verdicts reused from the first (object unchanged) | %.0f | | |\n", s.second.reused)
	fmt.Fprintf(w, "| Reports in the cluster | %d | | |\n", s.reports)
	fmt.Fprintf(w, "| largest Report (%s) | %d bytes | ≤ 1 MiB | %s |\n", s.largestReportName, s.largestReport, met(s.largestReport <= 1<<20))
	fmt.Fprintf(w, "| serve peak RSS (audits and load) | %.1f MiB | ≤ 192 MiB | %s |\n", s.peakRSS, met(s.peakRSS <= 192))
	fmt.Fprintf(w, "| admission p99 at %d req/s, no audit running (%d requests) | %s | | |\n", scaleLoadRate, len(s.quiet), ms(quiet))
	fmt.Fprintf(w, "| admission p99 at %d req/s, an audit running (%d requests) | %s | | |\n", scaleLoadRate, len(s.duringAudit), ms(during))
	fig.auditRatio = ratio(during, quiet)
	fmt.Fprintf(w, "| **ratio p99 during / without audit** | **%.2f×** | ≤ 1.5× | %s |\n", ratio(during, quiet), met(len(s.duringAudit) > 0 && ratio(during, quiet) <= 1.5))
	probeQuiet, probeDuring := percentile(s.probeQuiet, 0.99), percentile(s.probeDuring, 0.99)
	fmt.Fprintf(w, "| the null webhook server (a process of its own) at %d req/s alongside: p99 without / during an audit (%d / %d requests) | %s / %s: **%.2f×** | | |\n",
		scaleProbeRate, len(s.probeQuiet), len(s.probeDuring), ms(probeQuiet), ms(probeDuring), ratio(probeDuring, probeQuiet))
	s.cpu.write(w)
	fmt.Fprintf(w, "\nAdmission requests failed during the load: %d (to the null webhook server: %d). "+
		"The null webhook server's ratio is what an audit costs every process here (the API server's pages, serve's CPU, the machine's two cores); serve's ratio above it is what it costs serve's own requests.\n",
		s.loadErrors, s.probeErrors)
}
