//go:build e2e

// Package faults drives podpolicy through faults and hostile input against a real
// kube-apiserver with failurePolicy Fail: killed and terminated webhooks, broken policies,
// runaway evaluations, hostile requests, bypass attempts and weak TLS.
package faults

import (
	"context"
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
	os.Exit(harness.RunSuite(m, "faults", nil, func(ctx context.Context, s *harness.Suite) (func(int) int, error) {
		suite, cp = s, s.CP
		config, _ = filepath.Abs("testdata/config.yaml")
		var err error
		if webhook, err = suite.StartInstalledWebhook(ctx, harness.WebhookOptions{ConfigFile: config}); err != nil {
			return nil, err
		}
		return func(code int) int { _ = webhook.Stop(); return code }, nil
	}))
}

func startWebhook(ctx context.Context, o harness.WebhookOptions) (*harness.Webhook, error) {
	if o.ConfigFile == "" {
		o.ConfigFile = config
	}
	return suite.StartWebhook(ctx, o)
}
