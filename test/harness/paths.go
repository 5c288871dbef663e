package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// RepoRoot returns the repository root: the nearest parent directory holding go.mod with the
// podpolicy module.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && isRootModule(data) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no podpolicy go.mod above the working directory")
		}
		dir = parent
	}
}

func isRootModule(gomod []byte) bool {
	const want = "module github.com/podpolicy/podpolicy\n"
	return len(gomod) >= len(want) && string(gomod[:len(want)]) == want
}

// BinDir returns the directory of the binaries `make tools` builds.
func BinDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "bin")
	for _, tool := range []string{"kube-apiserver", "kube-controller-manager", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
			return "", fmt.Errorf("%s is missing from %s: run `make tools` first", tool, dir)
		}
	}
	return dir, nil
}

// BuildPodpolicy compiles the podpolicy binary into dir and returns its path.
func BuildPodpolicy(ctx context.Context, dir string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "podpolicy")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/podpolicy")
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build podpolicy: %w\n%s", err, output)
	}
	return out, nil
}
