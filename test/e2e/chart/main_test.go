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
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if root, err = harness.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	crds, err := harness.ThirdPartyCRDs(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if suite, err = harness.StartSuite(ctx, "chart", crds...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer suite.Close()
	cp, binary = suite.CP, suite.Binary
	return m.Run()
}
