//go:build e2e

// Package parity holds `podpolicy check` to `podpolicy serve` through a real API server: the
// AdmissionReviews kube-apiserver sends for `kubectl apply --dry-run=server` of a corpus of
// manifests (CREATE), and for an update of each (UPDATE with its oldObject), are recorded by a
// webhook of the test's own and judged by serve; check judges the same manifests; the two must
// give the same verdict, rule by rule, path by path, warning by warning.
package parity

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	suite *harness.Suite
	cp    *harness.ControlPlane
	// configs are the configs check and serve judge with: the defaults, and one that warns,
	// audits, dates and excepts.
	configs []parityConfig
	rec     *recorder
)

// parityConfig is one config and the serve that runs it.
type parityConfig struct {
	name, file string
	serve      *harness.Webhook
}

func TestMain(m *testing.M) {
	os.Exit(harness.RunSuite(m, "parity", nil, func(ctx context.Context, s *harness.Suite) (func(int) int, error) {
		suite, cp = s, s.CP
		rollout, _ := filepath.Abs("testdata/rollout.yaml")
		var started []*harness.Webhook
		for _, c := range []parityConfig{{name: "defaults"}, {name: "rollout", file: rollout}} {
			w, err := suite.StartWebhook(ctx, harness.WebhookOptions{ConfigFile: c.file})
			if err != nil {
				return nil, err
			}
			started = append(started, w)
			c.serve = w
			configs = append(configs, c)
		}
		var err error
		if rec, err = startRecorder(ctx, cp); err != nil {
			return nil, err
		}
		return func(code int) int {
			rec.stop()
			for _, w := range started {
				_ = w.Stop()
			}
			return code
		}, nil
	}))
}
