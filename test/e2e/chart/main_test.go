//go:build e2e

// Package chart tests the Helm chart and podpolicy's certificate management against a real
// kube-apiserver with cert-manager's and the Prometheus operator's CRDs installed.
package chart

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	cp      *harness.ControlPlane
	binary  string
	workDir string
	root    string
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
	if workDir, err = os.MkdirTemp("", "podpolicy-chart-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(workDir)
	if binary, err = harness.BuildPodpolicy(ctx, workDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	crds, err := harness.ThirdPartyCRDs(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := time.Now()
	if cp, err = harness.StartControlPlane(workDir, crds...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cp.Stop()
	fmt.Printf("chart: kube-apiserver and etcd up with cert-manager and ServiceMonitor CRDs in %v\n", time.Since(start).Round(time.Millisecond))
	return m.Run()
}
