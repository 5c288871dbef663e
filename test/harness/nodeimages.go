package harness

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
)

// The images the node runs besides podpolicy's: built here from test/harness/testimage, since
// no registry can be reached. Pods use them with imagePullPolicy IfNotPresent or Never.
const (
	// PauseImage is the sandbox image of the node's containerd.
	PauseImage = "podpolicy.test/pause:1.0.0"
	// AppImage is the test workload: an HTTP server answering 200 on every path, on the
	// comma-separated addresses of `-listen` (default :8080), as UID 65532.
	AppImage = "podpolicy.test/app:1.0.0"
)

// buildNodeImages compiles testimage as a static binary and writes the pause and app images
// as docker-archive tars into dir, returning their paths.
func buildNodeImages(ctx context.Context, dir string) ([]string, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	binary := filepath.Join(dir, "testimage")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", binary, "./test/harness/testimage")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the node's test image binary: %w\n%s", err, out)
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, img := range []struct {
		name, file string
		entrypoint []string
	}{
		{PauseImage, "pause.tar", []string{"/testimage", "pause"}},
		{AppImage, "app.tar", []string{"/testimage", "serve"}},
	} {
		path := filepath.Join(dir, img.file)
		if err := writeDockerArchive(path, img.name, img.entrypoint, data); err != nil {
			return nil, fmt.Errorf("image %s: %w", img.name, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeDockerArchive writes a one-layer image holding /testimage in the `docker save` format,
// which `ctr images import` reads.
func writeDockerArchive(path, name string, entrypoint []string, binary []byte) error {
	var layer bytes.Buffer
	lw := tar.NewWriter(&layer)
	for _, dir := range []string{"tmp/"} {
		if err := lw.WriteHeader(&tar.Header{Name: dir, Typeflag: tar.TypeDir, Mode: 0o1777, ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
	}
	if err := lw.WriteHeader(&tar.Header{Name: "testimage", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(binary)), ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	if _, err := lw.Write(binary); err != nil {
		return err
	}
	if err := lw.Close(); err != nil {
		return err
	}
	diffID := sha256.Sum256(layer.Bytes())
	config, err := json.Marshal(map[string]any{
		"architecture": runtime.GOARCH, "os": "linux", "created": time.Unix(0, 0).UTC().Format(time.RFC3339),
		"config": map[string]any{"Entrypoint": entrypoint, "User": "65532:65532", "WorkingDir": "/"},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}},
	})
	if err != nil {
		return err
	}
	manifest, err := json.Marshal([]map[string]any{{"Config": "config.json", "RepoTags": []string{name}, "Layers": []string{"layer.tar"}}})
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, file := range []struct {
		name string
		data []byte
	}{{"layer.tar", layer.Bytes()}, {"config.json", config}, {"manifest.json", manifest}} {
		if err := tw.WriteHeader(&tar.Header{Name: file.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(file.data)), ModTime: time.Unix(0, 0)}); err != nil {
			f.Close()
			return err
		}
		if _, err := tw.Write(file.data); err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
