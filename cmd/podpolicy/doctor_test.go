package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/podpolicy/podpolicy/webhook/doctor"
)

// TestDoctorWithoutPodpolicy: on a cluster without podpolicy, doctor says so in one line and
// exits 2.
func TestDoctorWithoutPodpolicy(t *testing.T) {
	for _, tc := range []struct {
		release, namespace, want string
	}{
		{"", "", "podpolicy doctor: no podpolicy installation: no ValidatingWebhookConfiguration has the webhook validate.podpolicy.io (give --release and --namespace of the helm release)\n"},
		{"pp", "podpolicy-system", `podpolicy doctor: no podpolicy installation: ValidatingWebhookConfiguration "pp-podpolicy" not found, nor Deployment podpolicy-system/pp-podpolicy (give --release and --namespace of the helm release)` + "\n"},
	} {
		for _, output := range []string{"text", "json"} {
			var stdout, stderr bytes.Buffer
			code := writeDoctor(context.Background(), doctor.Options{Client: fake.NewClientset(), Release: tc.release, Namespace: tc.namespace}, output, &stdout, &stderr)
			if code != 2 || stderr.String() != tc.want || stdout.Len() != 0 {
				t.Errorf("-o %s --release %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", output, tc.release, code, stdout.String(), stderr.String(), tc.want)
			}
		}
	}
}

func TestDoctorUsage(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	empty := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(empty, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"-h", []string{"doctor", "-h"}, 0, "Usage: podpolicy doctor"},
		{"--help", []string{"doctor", "--help"}, 0, "Usage: podpolicy doctor"},
		{"bad output", []string{"doctor", "-o", "sarif"}, 2, `-o "sarif": want text or json`},
		{"arguments", []string{"doctor", "pp"}, 2, "unexpected arguments [pp]"},
		{"missing kubeconfig", []string{"doctor", "--kubeconfig", missing}, 2, "podpolicy doctor: kubeconfig:"},
		{"kubeconfig without a cluster", []string{"doctor", "--kubeconfig", empty, "-n", "podpolicy-system"}, 2, "podpolicy doctor: kubeconfig:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}
