//go:build e2e

// Package e2e drives podpolicy through a real kube-apiserver with the real kubectl. Run it with
// `make e2e` (which builds the control-plane binaries first).
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	cp      *harness.ControlPlane
	webhook *harness.Webhook
	binary  string
	workDir string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if workDir, err = os.MkdirTemp("", "podpolicy-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(workDir)
	start := time.Now()
	if binary, err = harness.BuildPodpolicy(ctx, workDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if cp, err = harness.StartControlPlane(workDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cp.Stop()
	fmt.Printf("e2e: kube-apiserver and etcd up in %v\n", time.Since(start).Round(time.Millisecond))
	config, _ := filepath.Abs("testdata/config.yaml")
	webhook, err = harness.StartWebhook(ctx, harness.WebhookOptions{
		Binary: binary, Dir: filepath.Join(workDir, "webhook"), Kubeconfig: cp.Kubeconfig, ConfigFile: config,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer webhook.Stop()
	if err := cp.InstallWebhooks(ctx, webhook, admissionregistrationv1.Fail); err != nil {
		fmt.Fprintln(os.Stderr, err, "\n", webhook.LogTail(30))
		return 1
	}
	fmt.Printf("e2e: podpolicy registered with the API server in %v\n", time.Since(start).Round(time.Millisecond))
	code := m.Run()
	// The webhook's own process must have stayed healthy through everything the suite did.
	if err := webhook.Healthy(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: podpolicy is not healthy after the suite: %v\n", err)
		code = 1
	}
	if log := webhook.Log(); strings.Contains(log, "panic") {
		fmt.Fprintln(os.Stderr, "e2e: podpolicy logged a panic")
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "podpolicy log (last 60 lines):\n%s\n", webhook.LogTail(60))
	}
	return code
}
