//go:build e2e

package node

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/test/harness"
)

const (
	release   = "podpolicy"
	releaseNS = "podpolicy-system"
	// selector picks the webhook's Pods (not the cleanup Job's).
	selector = "app.kubernetes.io/name=podpolicy,app.kubernetes.io/instance=" + release
)

// articleRules are the rules the article's Pod breaks.
var articleRules = []string{
	"[image-tag-pinned]", "[probes-required]", "[resources-limits-required]", "[resources-requests-required]",
	"[security-capabilities]", "[security-privilege-escalation]", "[security-read-only-root-filesystem]",
	"[security-run-as-non-root]", "[security-seccomp]",
}

func chartDir() string { return filepath.Join(root, "charts", "podpolicy") }

// TestChartOnTheRealNode installs the chart as a cluster admin does and uses it: its Pods run
// podpolicy's image on the node, the API server calls them through their Service, and the
// chart survives an upgrade under load, an eviction, a drain and its own uninstall.
func TestChartOnTheRealNode(t *testing.T) {
	installed := false
	defer func() {
		if installed {
			helm(t, "uninstall", release, "-n", releaseNS, "--no-hooks")
		}
	}()
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"HelmInstallWaitsForBothReplicasServingTheirOwnTLS", func(t *testing.T) { installWithSelfManagedTLS(t); installed = true }},
		{"ArticlePodDeniedAndFixedPodRunsMutated", articlePods},
		{"UpgradeUnderLoadLosesNoAdmissionRequest", upgradeUnderLoad},
		{"EvictionIsReplacedAndDrainIsRefusedByThePDB", evictionAndDrain},
		{"UninstallHookRunsAsAJobAndPodsCanBeCreatedAfter", func(t *testing.T) { uninstallWithHook(t); installed = false }},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			return
		}
	}
}

func installWithSelfManagedTLS(t *testing.T) {
	start := time.Now()
	r := helm(t, "install", release, chartDir(), "-n", releaseNS, "--create-namespace",
		"-f", "testdata/values.yaml", "--wait", "--timeout", "3m")
	mustSucceed(t, "helm install --wait", r, releaseNS)
	mustContain(t, "helm install", r.Stdout, "STATUS: deployed")
	t.Logf("helm install --wait: deployed in %v", time.Since(start).Round(time.Millisecond))
	// helm --wait counts a Deployment ready at replicas - maxUnavailable (1 of 2).
	waitReadyReplicas(t, 2, "both webhook replicas Ready after helm install")
	t.Logf("both replicas Ready %v after helm install began", time.Since(start).Round(time.Millisecond))

	pods := webhookPods(t)
	if len(pods) != 2 {
		t.Fatalf("%d webhook Pods, want the chart's 2 replicas\n%s", len(pods), diagnostics(t, releaseNS))
	}
	wantImage := "ghcr.io/podpolicy/podpolicy:" + version
	for _, pod := range pods {
		if pod.Status.Phase != corev1.PodRunning || !podReady(&pod) || pod.Spec.NodeName != harness.NodeName {
			t.Errorf("Pod %s: phase %s, ready %v, node %q; want Running and Ready on %s", pod.Name, pod.Status.Phase, podReady(&pod), pod.Spec.NodeName, harness.NodeName)
		}
		if got := pod.Spec.Containers[0].Image; got != wantImage {
			t.Errorf("Pod %s runs %s, want the image make image builds, %s", pod.Name, got, wantImage)
		}
		if len(pod.Status.ContainerStatuses) == 0 || !strings.HasPrefix(pod.Status.ContainerStatuses[0].ImageID, "sha256:") &&
			!strings.Contains(pod.Status.ContainerStatuses[0].ImageID, "@sha256:") {
			t.Errorf("Pod %s: the kubelet reports no image it runs: %+v", pod.Name, pod.Status.ContainerStatuses)
		}
	}
	// The CA and serving certificate were created from inside the Pods: the chart renders no
	// Secret in self-managed mode, and the caBundle is the CA podpolicy made.
	secret, err := cluster.Client.CoreV1().Secrets(releaseNS).Get(context.Background(), release+"-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the certificate Secret the Pods create: %v", err)
	}
	for _, key := range []string{"tls.crt", "tls.key", "ca.crt"} {
		if len(secret.Data[key]) == 0 {
			t.Errorf("Secret %s has no %s (keys %v)", secret.Name, key, keys(secret.Data))
		}
	}
	webhooks, err := cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), release, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range webhooks.Webhooks {
		if w.ClientConfig.Service == nil || w.ClientConfig.Service.Name != release || w.ClientConfig.Service.Namespace != releaseNS {
			t.Errorf("webhook %s is not called through the chart's Service: %+v", w.Name, w.ClientConfig)
		}
		if !strings.Contains(string(w.ClientConfig.CABundle), strings.TrimSpace(string(secret.Data["ca.crt"]))) {
			t.Errorf("webhook %s's caBundle lacks the CA in %s/ca.crt", w.Name, secret.Name)
		}
		if w.FailurePolicy == nil || *w.FailurePolicy != "Fail" {
			t.Errorf("webhook %s: failurePolicy %v, want Fail", w.Name, w.FailurePolicy)
		}
	}
}

func articlePods(t *testing.T) {
	ns := namespace(t, "article", map[string]string{"team": "payments"})
	r := kubectl(t, "apply", "-n", ns, "-f", filepath.Join(root, "examples", "web-server-pod.yaml"))
	if r.ExitCode == 0 {
		t.Fatalf("the article's Pod was admitted:\n%s", r.Output())
	}
	mustContain(t, "the denial", r.Stderr, append(articleRules, `admission webhook "validate.podpolicy.io" denied the request`,
		`Pod "web-server-pod" breaks 9 rules (12 violations):`)...)

	mustSucceed(t, "kubectl apply of the fixed Pod", kubectl(t, "apply", "-n", ns, "-f", "testdata/web-server-pod-fixed.yaml"), ns)
	r = kubectl(t, "wait", "-n", ns, "--for=condition=Ready", "pod/web-server-pod-fixed", "--timeout=90s")
	mustSucceed(t, "the fixed Pod becomes Ready", r, ns)
	pod, err := cluster.Client.CoreV1().Pods(ns).Get(context.Background(), "web-server-pod-fixed", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.Status.Phase != corev1.PodRunning {
		t.Errorf("the fixed Pod is %s, want Running", pod.Status.Phase)
	}
	if got := pod.Annotations["kubectl.kubernetes.io/default-container"]; got != "web-server" {
		t.Errorf("default-container annotation %q, want web-server", got)
	}
	for key, want := range map[string]string{"team": "payments", "example.com/policy": "podpolicy", "app": "web-server"} {
		if got := pod.Labels[key]; got != want {
			t.Errorf("label %s = %q, want %q (labels %v)", key, got, want, pod.Labels)
		}
	}
	// The Pod serves on the pod network: the API server's proxy reaches it at its own address.
	r = kubectl(t, "get", "--raw", "/api/v1/namespaces/"+ns+"/pods/web-server-pod-fixed:8080/proxy/hello")
	mustSucceed(t, "the fixed Pod answers through the API server's proxy", r, ns)
	mustContain(t, "the Pod's answer", r.Stdout, "testimage on web-server-pod-fixed: GET /hello")
	// kubectl logs without -c takes the container the injected annotation names.
	r = kubectl(t, "logs", "-n", ns, "web-server-pod-fixed")
	mustSucceed(t, "kubectl logs", r, ns)
	mustContain(t, "kubectl logs of the default container", r.Stdout, "serving on :8080")
}

// upgradeUnderLoad creates Pods (server-side dry run: admitted exactly as a real create, but
// not run) in a loop while helm upgrade rolls the webhook's Pods onto a changed config, and
// requires every create to be admitted and mutated, by the old config or the new.
func upgradeUnderLoad(t *testing.T) {
	ns := namespace(t, "upgrade", nil)
	before := podNames(webhookPods(t))
	var (
		stop                  atomic.Bool
		created, failed, bare atomic.Int64
		mu                    sync.Mutex
		failures              []string
		revisions             = map[string]int{}
		wg                    sync.WaitGroup
	)
	template := fixedPod(t, "load")
	for worker := 0; worker < 2; worker++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				pod := template.DeepCopy()
				pod.Name = fmt.Sprintf("load-%d-%d", worker, i)
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				got, err := cluster.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				cancel()
				mu.Lock()
				switch {
				case err != nil:
					failed.Add(1)
					failures = append(failures, err.Error())
				case got.Labels["example.com/policy"] != "podpolicy":
					bare.Add(1)
				default:
					created.Add(1)
					revisions[got.Labels["example.com/revision"]]++
				}
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	start := time.Now()
	r := helm(t, "upgrade", release, chartDir(), "-n", releaseNS, "-f", "testdata/values.yaml",
		"--set", "rollOnConfigChange=true",
		"--set-json", `config.mutation.labels={"example.com/policy":"podpolicy","example.com/revision":"2"}`,
		"--wait", "--timeout", "3m")
	upgradeTime := time.Since(start)
	time.Sleep(3 * time.Second)
	stop.Store(true)
	wg.Wait()
	mustSucceed(t, "helm upgrade --wait", r, releaseNS)
	t.Logf("helm upgrade --wait took %v; %d Pod creates admitted and mutated (by revision label: %v), %d refused, %d not mutated",
		upgradeTime.Round(time.Millisecond), created.Load(), revisions, failed.Load(), bare.Load())
	if failed.Load() > 0 || bare.Load() > 0 {
		t.Errorf("the upgrade lost admission requests: %d refused, %d admitted without the mutation; first refusals: %v",
			failed.Load(), bare.Load(), failures[:min(len(failures), 3)])
	}
	if revisions["2"] == 0 || revisions[""] == 0 {
		t.Errorf("want creates judged by the old config and by the new one across the upgrade, got %v", revisions)
	}
	after := webhookPods(t)
	for _, pod := range after {
		if before[pod.Name] {
			t.Errorf("Pod %s survived the upgrade; rollOnConfigChange should have rolled it", pod.Name)
		}
	}
	if len(after) != 2 {
		t.Errorf("%d webhook Pods after the upgrade, want 2", len(after))
	}
}

func evictionAndDrain(t *testing.T) {
	ctx := context.Background()
	// helm upgrade --wait returns with one replica of two Ready, and the disruption controller
	// updates the PDB's status a moment after the Pods': evict once it allows a disruption.
	waitReadyReplicas(t, 2, "both replicas Ready before the eviction")
	eventually(t, 60*time.Second, func() bool {
		pdb, err := cluster.Client.PolicyV1().PodDisruptionBudgets(releaseNS).Get(ctx, release, metav1.GetOptions{})
		return err == nil && pdb.Status.CurrentHealthy == 2 && pdb.Status.DisruptionsAllowed == 1
	}, func() string { return "the PDB never allowed one disruption with two replicas Ready" })
	pods := webhookPods(t)
	victim := pods[0].Name
	err := cluster.Client.PolicyV1().Evictions(releaseNS).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: victim, Namespace: releaseNS}})
	if err != nil {
		t.Fatalf("evict %s with both replicas ready (PDB minAvailable 1): %v", victim, err)
	}
	eventually(t, 90*time.Second, func() bool {
		ready := 0
		for _, pod := range webhookPods(t) {
			if pod.Name != victim && podReady(&pod) {
				ready++
			}
		}
		return ready == 2
	}, func() string { return "the Deployment did not replace the evicted Pod\n" + diagnostics(t, releaseNS) })

	// A drain evicts one replica, and then the PDB refuses the other while the first's
	// replacement cannot be scheduled on the cordoned node.
	r := kubectl(t, "drain", harness.NodeName, "--ignore-daemonsets", "--delete-emptydir-data",
		"--pod-selector", selector, "--timeout=10s")
	// Whatever fails below, the node must not stay cordoned for the tests after this one.
	defer kubectl(t, "uncordon", harness.NodeName)
	if r.ExitCode == 0 {
		t.Fatalf("kubectl drain left the webhook without a ready replica:\n%s", r.Output())
	}
	mustContain(t, "kubectl drain", r.Output(), "disruption budget")
	ready := 0
	for _, pod := range webhookPods(t) {
		if podReady(&pod) {
			ready++
		}
	}
	if ready != 1 {
		t.Errorf("%d webhook replicas ready after the refused drain, want the 1 the PDB keeps", ready)
	}
	// The replica the PDB kept still admits.
	ns := namespace(t, "drained", nil)
	if _, err := cluster.Client.CoreV1().Pods(ns).Create(ctx, fixedPod(t, "after-drain"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Errorf("a Pod create during the drain: %v", err)
	}
	mustSucceed(t, "kubectl uncordon", kubectl(t, "uncordon", harness.NodeName), releaseNS)
	waitReadyReplicas(t, 2, "two replicas Ready again after uncordon")
}

func uninstallWithHook(t *testing.T) {
	r := helm(t, "uninstall", release, "-n", releaseNS, "--wait", "--timeout", "2m")
	mustSucceed(t, "helm uninstall", r, releaseNS)
	// The hook Job ran on the node and succeeded (its hook-succeeded policy then deleted it).
	events, err := cluster.Client.CoreV1().Events(releaseNS).List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.kind=Job"})
	if err != nil {
		t.Fatal(err)
	}
	completed := false
	for _, e := range events.Items {
		if e.InvolvedObject.Name == release+"-cleanup" && e.Reason == "Completed" {
			completed = true
		}
	}
	if !completed {
		t.Errorf("no Completed event of the pre-delete Job %s-cleanup:\n%s", release, diagnostics(t, releaseNS))
	}
	if r := kubectl(t, "get", "validatingwebhookconfiguration,mutatingwebhookconfiguration", "-o", "name"); strings.Contains(r.Stdout, "/"+release) {
		t.Errorf("uninstall left webhook configurations behind:\n%s", r.Stdout)
	}
	// With podpolicy gone, nothing judges Pods: even the article's Pod is created and runs
	// through the API server.
	ns := namespace(t, "after-uninstall", nil)
	pod := fixedPod(t, "after-uninstall")
	pod.Spec.Containers[0].ReadinessProbe = nil
	if _, err := cluster.Client.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("a Pod create after uninstall: %v", err)
	}
	mustSucceed(t, "the Pod created after uninstall becomes Ready",
		kubectl(t, "wait", "-n", ns, "--for=condition=Ready", "pod/after-uninstall", "--timeout=60s"), ns)
}

// fixedPod returns testdata/web-server-pod-fixed.yaml's Pod under another name; the file is
// read once (the upgrade test creates hundreds).
func fixedPod(t testing.TB, name string) *corev1.Pod {
	t.Helper()
	template, err := fixedPodTemplate()
	if err != nil {
		t.Fatalf("testdata/web-server-pod-fixed.yaml: %v", err)
	}
	pod := template.DeepCopy()
	pod.Name = name
	return pod
}

var fixedPodTemplate = sync.OnceValues(func() (*corev1.Pod, error) {
	data, err := os.ReadFile("testdata/web-server-pod-fixed.yaml")
	if err != nil {
		return nil, err
	}
	var pod corev1.Pod
	return &pod, yaml.UnmarshalStrict(data, &pod)
})

func webhookPods(t testing.TB) []corev1.Pod {
	t.Helper()
	pods, err := cluster.Client.CoreV1().Pods(releaseNS).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var live []corev1.Pod
	for _, pod := range pods.Items {
		// The cleanup Job's Pods are named podpolicy-cleanup, so the selector leaves them out.
		if pod.DeletionTimestamp == nil {
			live = append(live, pod)
		}
	}
	return live
}

// waitReadyReplicas waits until n webhook Pods of the release are Ready.
func waitReadyReplicas(t testing.TB, n int, what string) {
	t.Helper()
	eventually(t, 90*time.Second, func() bool { return readyPods(t, releaseNS, release) == n },
		func() string { return what + "\n" + diagnostics(t, releaseNS) })
}

// waitReadyReplicasIn waits until n webhook Pods of release rel in ns are Ready.
func waitReadyReplicasIn(t testing.TB, ns, rel string, n int) {
	t.Helper()
	eventually(t, 90*time.Second, func() bool { return readyPods(t, ns, rel) == n },
		func() string { return fmt.Sprintf("%d webhook replicas of %s Ready\n%s", n, rel, diagnostics(t, ns)) })
}

func readyPods(t testing.TB, ns, rel string) int {
	pods, err := cluster.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=podpolicy,app.kubernetes.io/instance=" + rel})
	if err != nil {
		t.Fatal(err)
	}
	ready := 0
	for _, pod := range pods.Items {
		if pod.DeletionTimestamp == nil && podReady(&pod) {
			ready++
		}
	}
	return ready
}

func podNames(pods []corev1.Pod) map[string]bool {
	names := map[string]bool{}
	for _, pod := range pods {
		names[pod.Name] = true
	}
	return names
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func encodeBase64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// namespace creates a namespace named after prefix with labels.
func namespace(t testing.TB, prefix string, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-", Labels: labels}}
	created, err := cluster.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	// The controllers create the default ServiceAccount the ServiceAccount admission plugin
	// requires of every Pod.
	eventually(t, 30*time.Second, func() bool {
		_, err := cluster.Client.CoreV1().ServiceAccounts(created.Name).Get(context.Background(), "default", metav1.GetOptions{})
		return err == nil
	}, func() string { return "no default ServiceAccount in " + created.Name })
	return created.Name
}
