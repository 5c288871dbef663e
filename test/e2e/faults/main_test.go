//go:build e2e

// Package faults drives podpolicy through faults and hostile input against a real
// kube-apiserver with failurePolicy Fail: killed and terminated webhooks, broken policies,
// runaway evaluations, hostile requests, bypass attempts and weak TLS.
package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	cp      *harness.ControlPlane
	webhook *harness.Webhook
	binary  string
	workDir string
	config  string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if workDir, err = os.MkdirTemp("", "podpolicy-faults-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(workDir)
	if binary, err = harness.BuildPodpolicy(ctx, workDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if cp, err = harness.StartControlPlane(filepath.Join(workDir, "cp")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cp.Stop()
	config, _ = filepath.Abs("testdata/config.yaml")
	if webhook, err = startWebhook(ctx, harness.WebhookOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = webhook.Stop() }()
	if err := cp.InstallWebhooks(ctx, webhook, admissionregistrationv1.Fail); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

var webhookSeq int

// startWebhook starts a podpolicy serve with the suite's config and API access; o's Binary,
// Dir, Kubeconfig and ConfigFile are filled in.
func startWebhook(ctx context.Context, o harness.WebhookOptions) (*harness.Webhook, error) {
	webhookSeq++
	o.Binary, o.Kubeconfig, o.ConfigFile = binary, cp.Kubeconfig, config
	o.Dir = filepath.Join(workDir, fmt.Sprintf("webhook-%d", webhookSeq))
	return harness.StartWebhook(ctx, o)
}
