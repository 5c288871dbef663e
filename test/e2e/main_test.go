//go:build e2e

// Package e2e drives podpolicy through a real kube-apiserver with the real kubectl. Run it with
// `make e2e` (which builds the control-plane binaries first).
package e2e

import (
	"context"
	"errors"
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
	// rollouts is Argo Rollouts' controller, with the CRDs of its module installed, which the
	// suite's config trusts as the controller of Rollouts.
	rollouts *harness.Rollouts
)

func TestMain(m *testing.M) {
	os.Exit(harness.RunSuite(m, "e2e", harness.RolloutsCRDs, func(ctx context.Context, s *harness.Suite) (func(int) int, error) {
		suite, cp = s, s.CP
		config, _ := filepath.Abs("testdata/config.yaml")
		policies, _ := filepath.Abs("testdata/policies")
		var err error
		if rollouts, err = harness.StartRollouts(ctx, cp, filepath.Join(s.Dir, "rollouts")); err != nil {
			return nil, err
		}
		if webhook, err = suite.StartInstalledWebhook(ctx, harness.WebhookOptions{ConfigFile: config, PolicyDirs: []string{policies}}); err != nil {
			return nil, errors.Join(err, rollouts.Stop())
		}
		return afterSuite, nil
	}))
}

// afterSuite stops the webhook and the Rollouts controller; podpolicy's own process must have
// stayed healthy through everything the suite did, without a panic.
func afterSuite(code int) int {
	defer webhook.Stop()
	defer func() {
		if err := rollouts.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: stop the Rollouts controller: %v\n", err)
		}
	}()
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
