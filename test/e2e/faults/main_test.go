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

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	suite   *harness.Suite
	cp      *harness.ControlPlane
	webhook *harness.Webhook
	config  string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if suite, err = harness.StartSuite(ctx, "faults"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer suite.Close()
	cp = suite.CP
	config, _ = filepath.Abs("testdata/config.yaml")
	if webhook, err = suite.StartInstalledWebhook(ctx, harness.WebhookOptions{ConfigFile: config}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = webhook.Stop() }()
	return m.Run()
}

// startWebhook starts a podpolicy serve, with the suite's config unless o names one.
func startWebhook(ctx context.Context, o harness.WebhookOptions) (*harness.Webhook, error) {
	if o.ConfigFile == "" {
		o.ConfigFile = config
	}
	return suite.StartWebhook(ctx, o)
}
