//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

func helm(t *testing.T, args ...string) harness.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return cp.Helm(ctx, args...)
}

func testChart(name string) string { return "testdata/charts/" + name }

// postRender are the helm flags that run podpolicy as the release's post-renderer.
func postRender(ns string) []string {
	return []string{"--post-renderer", suite.Binary, "--post-renderer-args", "post-render", "--post-renderer-args", "--namespace=" + ns}
}

// TestHelmInstallsChartsThatSetKubeVersion: charts shaped like podinfo and ingress-nginx,
// whose kubeVersion constraints need the API server's real version, install through the
// webhook, and their Deployments' Pods are created by the controllers.
func TestHelmInstallsChartsThatSetKubeVersion(t *testing.T) {
	for _, chart := range []string{"webapp", "ingress-controller"} {
		ns := namespace(t, nil)
		r := helm(t, "install", "r", testChart(chart), "--namespace", ns)
		if r.ExitCode != 0 || !strings.Contains(r.Stdout, "STATUS: deployed") {
			t.Fatalf("helm install %s: %s", chart, r.Output())
		}
		pods := waitForPods(t, ns, "app.kubernetes.io/instance=r", 1)
		if pods[0].Labels["example.com/policy"] != "podpolicy" {
			t.Errorf("%s: the Pod its Deployment created lacks the injected label: %v", chart, pods[0].Labels)
		}
	}
}

// TestPostRendererRefusesAViolatingReleaseWhole: installed through podpolicy's post-renderer,
// a release with a denied object (a host-network DaemonSet) fails with its violations and
// creates nothing - not its ServiceAccount, ConfigMap or Service either - while the same chart
// installed without it leaves a half-installed release behind. A compliant release passes
// through unchanged.
func TestPostRendererRefusesAViolatingReleaseWhole(t *testing.T) {
	edge := []string{"--set", "controller.kind=DaemonSet", "--set", "controller.hostNetwork=true"}

	ns := namespace(t, nil)
	r := helm(t, append(append([]string{"install", "edge", testChart("ingress-controller"), "--namespace", ns}, edge...), postRender(ns)...)...)
	if r.ExitCode == 0 {
		t.Fatalf("the violating release was installed:\n%s", r.Output())
	}
	mustContain(t, "helm's error", r.Stderr, "podpolicy refuses the release; nothing was created", "DaemonSet "+ns+"/edge-controller: denied", "[host-namespaces]", "[host-ports]")
	if left := kubectl(t, "get", "all,configmap,serviceaccount,ingressclass", "-n", ns, "-l", "!kubernetes.io/metadata.name", "-o", "name"); strings.Contains(left.Stdout, "edge-controller") {
		t.Errorf("a refused release left objects behind:\n%s", left.Stdout)
	}
	if list := helm(t, "list", "-n", ns, "-a", "-q"); strings.TrimSpace(list.Stdout) != "" {
		t.Errorf("a refused release is recorded: %q", list.Stdout)
	}

	// Without the post-renderer the API server refuses only the DaemonSet, after the rest.
	half := namespace(t, nil)
	r = helm(t, append([]string{"install", "edge", testChart("ingress-controller"), "--namespace", half}, edge...)...)
	if r.ExitCode == 0 {
		t.Fatalf("the DaemonSet was admitted:\n%s", r.Output())
	}
	if left := kubectl(t, "get", "configmap,serviceaccount", "-n", half, "-o", "name"); !strings.Contains(left.Stdout, "configmap/edge-controller") {
		t.Errorf("without the post-renderer helm should have created the release's other objects before the denial (what the post-renderer prevents):\n%s", left.Output())
	}

	good := namespace(t, nil)
	r = helm(t, append([]string{"install", "web", testChart("webapp"), "--namespace", good}, postRender(good)...)...)
	if r.ExitCode != 0 {
		t.Fatalf("a compliant release through the post-renderer: %s", r.Output())
	}
	stored := helm(t, "get", "manifest", "web", "-n", good)
	rendered := helm(t, "template", "web", testChart("webapp"), "--namespace", good)
	if strings.TrimSpace(stored.Stdout) != strings.TrimSpace(rendered.Stdout) {
		t.Errorf("the post-renderer changed the manifests:\nstored:\n%s\nrendered:\n%s", stored.Stdout, rendered.Stdout)
	}
}
