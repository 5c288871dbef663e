package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
)

// BuildImage builds podpolicy's image as `make image` does, for this machine's architecture
// only, into dir, and returns its tar (for Cluster's images) and its version, the chart's
// appVersion, which the chart's default image is tagged with.
func BuildImage(ctx context.Context, dir string) (tar, version string, err error) {
	root, err := RepoRoot()
	if err != nil {
		return "", "", err
	}
	tar = filepath.Join(dir, "podpolicy-image.tar")
	cmd := exec.CommandContext(ctx, "go", "-C", filepath.Join(root, "test/tools/image"), "run", ".",
		"-root", root, "-layout", filepath.Join(dir, "image"), "-tar", tar, "-arch", runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("build podpolicy's image: %w\n%s", err, out)
	}
	chart, err := os.ReadFile(filepath.Join(root, "charts/podpolicy/Chart.yaml"))
	if err != nil {
		return "", "", err
	}
	m := regexp.MustCompile(`(?m)^appVersion:\s*"?([^"\s]+)"?`).FindSubmatch(chart)
	if m == nil {
		return "", "", fmt.Errorf("charts/podpolicy/Chart.yaml has no appVersion")
	}
	return tar, string(m[1]), nil
}
