//go:build e2e

package chart

import (
	"strings"
	"testing"
)

// TestHelmInstallsTheChart: helm install of charts/podpolicy itself works against the
// harness's API server, which reports its real version, so the chart's kubeVersion
// constraint (>= 1.30) is met; uninstall removes it again.
func TestHelmInstallsTheChart(t *testing.T) {
	version := kubectl(t, "version", "-o", "json")
	if !strings.Contains(version.Stdout, `"gitVersion": "v1.37.2"`) {
		t.Fatalf("the API server does not report v1.37.2:\n%s", version.Output())
	}
	const release, ns = "installed", "podpolicy-installed"
	install := helm(t, "install", release, chartDir(), "--namespace", ns, "--create-namespace")
	if install.ExitCode != 0 || !strings.Contains(install.Stdout, "STATUS: deployed") {
		t.Fatalf("helm install: %s", install.Output())
	}
	// No kubelet runs the Pods, and no one serves the webhooks: take them away before any
	// other test creates a Pod. The pre-delete hook is a Job that cannot run here either.
	defer func() {
		if r := helm(t, "uninstall", release, "--namespace", ns, "--no-hooks"); r.ExitCode != 0 {
			t.Errorf("helm uninstall: %s", r.Output())
		}
		if r := kubectl(t, "get", "validatingwebhookconfiguration,mutatingwebhookconfiguration", "-o", "name"); strings.Contains(r.Stdout, release+"-podpolicy") {
			t.Errorf("uninstall left the webhook configurations behind:\n%s", r.Stdout)
		}
	}()
	for _, obj := range []string{"deployment/" + release + "-podpolicy", "service/" + release + "-podpolicy", "poddisruptionbudget/" + release + "-podpolicy"} {
		if r := kubectl(t, "get", "-n", ns, obj); r.ExitCode != 0 {
			t.Errorf("after helm install, %s: %s", obj, r.Output())
		}
	}
}
