package doctor

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestFlagValues(t *testing.T) {
	got := flagValues([]string{"/podpolicy", "serve", "--eval-timeout=3s", "-evaluator", "topdown", "--self-managed-tls", "--audit-interval", "5m", "--eval-timeout=4s", "--", "x"})
	want := map[string]string{"eval-timeout": "4s", "evaluator": "topdown", "self-managed-tls": "true", "audit-interval": "5m"}
	if len(got) != len(want) {
		t.Errorf("flags %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("--%s = %q, want %q", k, got[k], v)
		}
	}
	d := &appsv1.Deployment{}
	d.Namespace = ns
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "sidecar"}, {Name: "main", Command: []string{"/podpolicy", "serve", "--eval-timeout=bad", "--audit-interval=10m"}}}
	a := parseServeArgs(d)
	if a.container == nil || a.container.Name != "main" || a.evalTimeout != 2*time.Second || a.auditInterval != 10*time.Minute || a.tlsSecretNamespace != ns {
		t.Errorf("serve args %+v", a)
	}
	if parseServeArgs(&appsv1.Deployment{}).container != nil {
		t.Error("a Deployment without containers has a serve container")
	}
}
