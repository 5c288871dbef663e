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

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	suite   *harness.Suite
	cp      *harness.ControlPlane
	webhook *harness.Webhook
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if suite, err = harness.StartSuite(ctx, "e2e"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer suite.Close()
	cp = suite.CP
	config, _ := filepath.Abs("testdata/config.yaml")
	policies, _ := filepath.Abs("testdata/policies")
	if webhook, err = suite.StartInstalledWebhook(ctx, harness.WebhookOptions{ConfigFile: config, PolicyDirs: []string{policies}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer webhook.Stop()
	code := m.Run()
	// The webhook's own process must have stayed healthy through everything the suite did.
	if err := webhook.Healthy(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: podpolicy is not healthy after the suite: %v\n", err)
		code = 1
	}
	if strings.Contains(webhook.Log(), "panic") {
		fmt.Fprintln(os.Stderr, "e2e: podpolicy logged a panic")
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "podpolicy log (last 60 lines):\n%s\n", webhook.LogTail(60))
	}
	return code
}
