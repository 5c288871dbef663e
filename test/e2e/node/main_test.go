//go:build e2e

// Package node installs the chart for real: on a control plane with one real node (a kubelet
// with containerd and runc, kube-proxy, kube-scheduler), with podpolicy's own image built by
// the image builder of `make image`, `helm install --wait` runs the chart's Pods, and the API
// server calls them through their Service.
package node

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

var (
	cluster *harness.Cluster
	root    string
	version string
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
	dir, err := os.MkdirTemp("", "podpolicy-node-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	imageStart := time.Now()
	imageTar, err := buildImage(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("node: podpolicy's image built in %v\n", time.Since(imageStart).Round(time.Millisecond))
	crds, err := harness.ThirdPartyCRDs(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if cluster, err = harness.StartCluster(ctx, filepath.Join(dir, "cluster"), []string{imageTar}, crds...); err != nil {
		fmt.Fprintf(os.Stderr, "node: %v\n", err)
		return 1
	}
	fmt.Printf("node: control plane and node %s Ready, images loaded, in %v\n", harness.NodeName, cluster.StartupTime.Round(time.Millisecond))
	code := m.Run()
	stopStart := time.Now()
	if err := cluster.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "node: stop: %v\n", err)
		code = 1
	}
	fmt.Printf("node: Pods deleted, node and control plane stopped and cleaned up in %v\n", time.Since(stopStart).Round(time.Millisecond))
	return code
}

// buildImage builds podpolicy's image as `make image` does, for this machine's architecture
// only, and returns its tar.
func buildImage(ctx context.Context, dir string) (string, error) {
	tar := filepath.Join(dir, "podpolicy-image.tar")
	cmd := exec.CommandContext(ctx, "go", "-C", filepath.Join(root, "test/tools/image"), "run", ".",
		"-root", root, "-layout", filepath.Join(dir, "image"), "-tar", tar, "-arch", runtime.GOARCH)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build podpolicy's image: %w\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(root, "charts/podpolicy/Chart.yaml"))
	if err != nil {
		return "", err
	}
	version = appVersion(data)
	return tar, nil
}
