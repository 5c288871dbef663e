//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/test/harness"
)

// articleRules are the rules the article's Pod breaks.
var articleRules = []string{
	"[image-tag-pinned]", "[probes-required]", "[resources-limits-required]", "[resources-requests-required]",
	"[security-capabilities]", "[security-privilege-escalation]", "[security-read-only-root-filesystem]",
	"[security-run-as-non-root]", "[security-seccomp]",
}

func TestArticlePodIsDeniedWithEveryReason(t *testing.T) {
	ns := namespace(t, nil)
	r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod.yaml"))
	if r.ExitCode == 0 {
		t.Fatalf("the article's pod was admitted:\n%s", r.Output())
	}
	t.Logf("kubectl apply -f examples/web-server-pod.yaml:\n%s", r.Stderr)
	mustContain(t, "denial", r.Stderr, append(articleRules,
		`admission webhook "validate.podpolicy.io" denied the request`,
		`Pod "web-server-pod" breaks 9 rules (12 violations):`,
		`[resources-limits-required] container "web-server": resources.limits.memory is not set (spec.containers[0].resources.limits.memory); fix: set a memory limit such as 256Mi`,
	)...)
	if got := kubectl(t, "get", "pod", "web-server-pod", "-n", ns); got.ExitCode == 0 {
		t.Error("the denied pod exists")
	}
}

func TestFixedPodIsAdmittedWithLabelsAndAnnotation(t *testing.T) {
	ns := namespace(t, map[string]string{"team": "payments"})
	r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod-fixed.yaml"))
	if r.ExitCode != 0 {
		t.Fatalf("the fixed pod was refused:\n%s", r.Output())
	}
	mustNotContain(t, "kubectl output", r.Stderr, "Warning")
	pod := getPod(t, ns, "web-server-pod-fixed")
	if got := pod.Annotations["kubectl.kubernetes.io/default-container"]; got != "web-server" {
		t.Errorf("default-container annotation %q, want web-server", got)
	}
	for key, want := range map[string]string{"team": "payments", "example.com/policy": "podpolicy", "app": "web-server", "environment": "production"} {
		if got := pod.Labels[key]; got != want {
			t.Errorf("label %s = %q, want %q (labels %v)", key, got, want, pod.Labels)
		}
	}
	if pod.Annotations["description"] != "This pod runs the web server" {
		t.Errorf("the pod's own annotation was lost: %v", pod.Annotations)
	}
}

func TestDeploymentWithBadTemplateIsDeniedAtApply(t *testing.T) {
	ns := namespace(t, nil)
	r := kubectl(t, "apply", "-n", ns, "-f", example("deployment-unbounded.yaml"))
	if r.ExitCode == 0 {
		t.Fatalf("the deployment was admitted:\n%s", r.Output())
	}
	mustContain(t, "denial", r.Stderr,
		`Deployment "api" breaks 2 rules:`,
		"(spec.template.spec.containers[0].resources.limits.memory)",
		"(spec.template.spec.containers[0].image)")

	good := kubectl(t, "apply", "-n", ns, "-f", example("deployment.yaml"), "-f", example("job.yaml"), "-f", example("cronjob.yaml"))
	if good.ExitCode != 0 {
		t.Fatalf("compliant workloads were refused:\n%s", good.Output())
	}
	template := kubectl(t, "get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.template.metadata}")
	mustNotContain(t, "deployment template (workloads are never mutated)", template.Stdout, "default-container", "example.com/policy")
}

func TestWarnRuleIsPrintedAsWarning(t *testing.T) {
	ns := namespace(t, nil)
	r := kubectl(t, "apply", "-n", ns, "-f", example("pod-shared-process-namespace.yaml"))
	if r.ExitCode != 0 {
		t.Fatalf("a pod with only a warn-mode violation was refused:\n%s", r.Output())
	}
	mustContain(t, "kubectl output", r.Stderr, `Warning: Pod "debuggable": [share-process-namespace] shareProcessNamespace is true (spec.shareProcessNamespace)`)
}

func TestWarnModeNamespaceWarnsInsteadOfDenying(t *testing.T) {
	ns := namespace(t, map[string]string{"podpolicy.io/mode": "warn"})
	r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod.yaml"))
	if r.ExitCode != 0 {
		t.Fatalf("warn-mode namespace refused the pod:\n%s", r.Output())
	}
	for _, rule := range articleRules {
		mustContain(t, "warnings", r.Stderr, `Warning: Pod "web-server-pod": `+rule)
	}
}

func TestAuditModeNamespaceAdmitsSilently(t *testing.T) {
	ns := namespace(t, map[string]string{"podpolicy.io/mode": "audit"})
	r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod.yaml"))
	if r.ExitCode != 0 || strings.Contains(r.Stderr, "Warning") {
		t.Fatalf("audit-mode namespace: exit %d\n%s", r.ExitCode, r.Output())
	}
}

func TestExemptNamespaceIsAdmittedUntouched(t *testing.T) {
	// kube-public is in the default exemptNamespaces of the config.
	r := kubectl(t, "apply", "-n", "kube-public", "-f", example("web-server-pod.yaml"))
	if r.ExitCode != 0 || strings.Contains(r.Stderr, "Warning") {
		t.Fatalf("exempt namespace: exit %d\n%s", r.ExitCode, r.Output())
	}
	pod := getPod(t, "kube-public", "web-server-pod")
	if _, ok := pod.Labels["example.com/policy"]; ok {
		t.Errorf("a pod of an exempt namespace was mutated: %v", pod.Labels)
	}
}

func TestUpdateOfImageToLatestIsDenied(t *testing.T) {
	ns := namespace(t, nil)
	if r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod-fixed.yaml")); r.ExitCode != 0 {
		t.Fatalf("create: %s", r.Output())
	}
	r := kubectl(t, "set", "image", "-n", ns, "pod/web-server-pod-fixed", "web-server=nginxinc/nginx-unprivileged:latest")
	if r.ExitCode == 0 {
		t.Fatalf("the image update to :latest was admitted:\n%s", r.Output())
	}
	mustContain(t, "denial", r.Stderr, `[image-tag-pinned] container "web-server": image "nginxinc/nginx-unprivileged:latest" uses the tag latest`)
	if image := getPod(t, ns, "web-server-pod-fixed").Spec.Containers[0].Image; image != "nginxinc/nginx-unprivileged:1.27.3" {
		t.Errorf("image is now %s", image)
	}
	// An update that adds no violation goes through.
	if r := kubectl(t, "label", "-n", ns, "pod/web-server-pod-fixed", "tier=frontend"); r.ExitCode != 0 {
		t.Errorf("a label update was refused:\n%s", r.Output())
	}
}

func TestServerSideDryRunGetsTheSameVerdict(t *testing.T) {
	ns := namespace(t, nil)
	r := kubectl(t, "apply", "--dry-run=server", "-n", ns, "-f", example("web-server-pod.yaml"))
	if r.ExitCode == 0 {
		t.Fatalf("server-side dry-run admitted the article's pod:\n%s", r.Output())
	}
	mustContain(t, "dry-run denial", r.Stderr, articleRules...)
	ok := kubectl(t, "apply", "--dry-run=server", "-n", ns, "-f", example("web-server-pod-fixed.yaml"), "-o", "jsonpath={.metadata.annotations}")
	if ok.ExitCode != 0 {
		t.Fatalf("server-side dry-run refused the fixed pod:\n%s", ok.Output())
	}
	mustContain(t, "dry-run result", ok.Stdout, "kubectl.kubernetes.io/default-container")
	if got := kubectl(t, "get", "pod", "web-server-pod-fixed", "-n", ns); got.ExitCode == 0 {
		t.Error("a dry-run created the pod")
	}
}

func TestPrivilegedEphemeralContainerIsDenied(t *testing.T) {
	ns := namespace(t, nil)
	if r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod-fixed.yaml")); r.ExitCode != 0 {
		t.Fatalf("create: %s", r.Output())
	}
	r := kubectl(t, "debug", "-n", ns, "pod/web-server-pod-fixed", "--image=busybox:1.37", "--profile=sysadmin", "-c", "debugger")
	if r.ExitCode == 0 {
		t.Fatalf("a privileged ephemeral container was added:\n%s", r.Output())
	}
	mustContain(t, "denial", r.Stderr, `[security-privileged] container "debugger": securityContext.privileged is true (spec.ephemeralContainers[0].securityContext.privileged)`)
}

// TestRestrictedDebugContainerIsAdmitted: kubectl debug --profile=restricted adds an ephemeral
// container that drops every capability, runs as non-root under RuntimeDefault seccomp and
// cannot escalate; under the default config it is admitted (it cannot mount a volume, so no
// read-only root filesystem is demanded of it).
func TestRestrictedDebugContainerIsAdmitted(t *testing.T) {
	ns := namespace(t, nil)
	if r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod-fixed.yaml")); r.ExitCode != 0 {
		t.Fatalf("create: %s", r.Output())
	}
	r := kubectl(t, "debug", "-n", ns, "pod/web-server-pod-fixed", "--image=registry.example.com/tools/debug:1.2.0", "--profile=restricted", "-c", "debugger")
	if r.ExitCode != 0 {
		t.Fatalf("kubectl debug --profile=restricted was refused:\n%s", r.Output())
	}
	pod := getPod(t, ns, "web-server-pod-fixed")
	if len(pod.Spec.EphemeralContainers) != 1 || pod.Spec.EphemeralContainers[0].Name != "debugger" {
		t.Errorf("ephemeral containers after kubectl debug: %+v", pod.Spec.EphemeralContainers)
	}
}

// TestInPlaceResizeIsJudged: a resize through the pods/resize subresource is judged like an
// update: raising a memory limit above the e2e suite's custom ceiling (memory-ceiling) is
// denied, a resize within it admitted.
func TestInPlaceResizeIsJudged(t *testing.T) {
	ns := namespace(t, nil)
	if r := kubectl(t, "apply", "-n", ns, "-f", example("web-server-pod-fixed.yaml")); r.ExitCode != 0 {
		t.Fatalf("create: %s", r.Output())
	}
	resize := func(memory string) harness.Result {
		patch := `{"spec":{"containers":[{"name":"web-server","resources":{"requests":{"memory":"` + memory + `"},"limits":{"memory":"` + memory + `"}}}]}}`
		return kubectl(t, "patch", "pod", "web-server-pod-fixed", "-n", ns, "--subresource", "resize", "--type", "strategic", "-p", patch)
	}
	r := resize("8Gi")
	if r.ExitCode == 0 {
		t.Fatalf("a resize to 8Gi was admitted:\n%s", r.Output())
	}
	mustContain(t, "denial", r.Stderr, `[memory-ceiling] container "web-server": resources.limits.memory 8Gi is above the ceiling of 2Gi (spec.containers[0].resources.limits.memory)`)
	if r := resize("256Mi"); r.ExitCode != 0 {
		t.Fatalf("a resize within the ceiling was refused:\n%s", r.Output())
	}
	if got := getPod(t, ns, "web-server-pod-fixed").Spec.Containers[0].Resources.Limits.Memory().String(); got != "256Mi" {
		t.Errorf("memory limit after the resize: %s, want 256Mi", got)
	}
}
