//go:build e2e

// Package chart tests the Helm chart and podpolicy's certificate management against a real
// kube-apiserver with cert-manager's and the Prometheus operator's CRDs installed.
package chart

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	suite  *harness.Suite
	cp     *harness.ControlPlane
	binary string
	root   string
)

func TestMain(m *testing.M) {
	var err error
	if root, err = harness.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(harness.RunSuite(m, "chart", harness.ThirdPartyCRDs, func(_ context.Context, s *harness.Suite) (func(int) int, error) {
		suite, cp, binary = s, s.CP, s.Binary
		return nil, nil
	}))
}
