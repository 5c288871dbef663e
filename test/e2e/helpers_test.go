//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// namespace creates a fresh namespace with labels for one test.
func namespace(t *testing.T, labels map[string]string) string { return suite.Namespace(t, labels) }

// kubectl runs the real kubectl against the control plane.
func kubectl(t *testing.T, args ...string) harness.Result { return suite.Kubectl(t, args...) }

// example returns the path of a file of examples/.
func example(name string) string { return "../../examples/" + name }

// getPod reads a Pod as JSON through kubectl.
func getPod(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	r := kubectl(t, "get", "pod", name, "-n", ns, "-o", "json")
	if r.ExitCode != 0 {
		t.Fatalf("kubectl get pod %s: %s", name, r.Output())
	}
	var pod corev1.Pod
	if err := json.Unmarshal([]byte(r.Stdout), &pod); err != nil {
		t.Fatal(err)
	}
	return &pod
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}

func mustNotContain(t *testing.T, what, text string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(text, u) {
			t.Errorf("%s contains %q:\n%s", what, u, text)
		}
	}
}
