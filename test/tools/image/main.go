// Command image builds podpolicy's container image without Docker (`make image`): podpolicy
// compiled as a static binary for linux/amd64 and linux/arm64, on a scratch base holding only
// /etc/passwd, /etc/group and a CA bundle, run as 65532:65532. It writes an OCI image layout
// (push it with crane or skopeo) and the same layout as a tar (`ctr images import` loads it
// under the name ghcr.io/podpolicy/podpolicy:<appVersion>).
//
// The chart is the one place the version is set: the image tag and the version the binary
// reports are Chart.yaml's appVersion, and the image's name is values.yaml's image.repository.
// The same commit gives the same digest with the same Go: files, config and history carry
// SOURCE_DATE_EPOCH (default: the commit time), tar entries are sorted and root-owned.
//
// Dockerfile beside this file builds the same image with Docker; `-rootfs DIR` writes the base
// files for it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "root of the podpolicy repository (default: found above the working directory)")
	layoutDir := fs.String("layout", "", "OCI image layout directory to write (default: ROOT/_out/image)")
	tarFile := fs.String("tar", "", "tar file of the layout to write, for ctr images import (default: ROOT/_out/image.tar)")
	archs := fs.String("arch", strings.Join(defaultPlatforms, ","), "comma-separated linux architectures")
	goTool := fs.String("go", "go", "go command that compiles podpolicy")
	rootfs := fs.String("rootfs", "", "only write the base files (passwd, group, CA bundle) into this directory, for the Dockerfile")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "image: unexpected arguments %v\n", fs.Args())
		return 2
	}
	if *rootfs != "" {
		if err := writeRootFS(*rootfs); err != nil {
			fmt.Fprintf(stderr, "image: %v\n", err)
			return 1
		}
		return 0
	}
	o := options{Go: *goTool, SourceDateEpoch: os.Getenv("SOURCE_DATE_EPOCH")}
	var err error
	if o.Root, err = repoRoot(*root); err != nil {
		fmt.Fprintf(stderr, "image: %v\n", err)
		return 2
	}
	o.Layout, o.Tar = orDefault(*layoutDir, o.Root, "_out/image"), orDefault(*tarFile, o.Root, "_out/image.tar")
	if o.Archs, err = parseArchs(*archs); err != nil {
		fmt.Fprintf(stderr, "image: -arch: %v\n", err)
		return 2
	}
	res, err := build(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "image: %v\n", err)
		return 1
	}
	report(stdout, stderr, o, res)
	return 0
}

// report prints what was built and where it went.
func report(stdout, stderr io.Writer, o options, res result) {
	if res.Source.Dirty {
		fmt.Fprintf(stderr, "image: warning: %s has uncommitted changes; the image holds them, but its revision label names %s\n", o.Root, res.Source.Revision)
	}
	fmt.Fprintf(stdout, "image:    %s\ndigest:   %s\nrevision: %s (files dated %s)\n", res.Name, res.Digest, res.Source.Revision, res.Source.Time.Format("2006-01-02T15:04:05Z"))
	for _, p := range res.Platforms {
		fmt.Fprintf(stdout, "  linux/%-6s %s  %5.1f MB to pull, %5.1f MB unpacked\n", p.Arch, p.Digest, mb(p.Size), mb(p.Uncompressed))
	}
	fmt.Fprintf(stdout, "layout:   %s  (push: crane push %s REGISTRY/podpolicy:TAG)\n", o.Layout, o.Layout)
	fmt.Fprintf(stdout, "tar:      %s  (load: ctr -n k8s.io images import %s)\n", o.Tar, o.Tar)
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// repoRoot returns dir, or the closest directory above the working directory that holds the
// chart.
func repoRoot(dir string) (string, error) {
	if dir != "" {
		if _, err := os.Stat(filepath.Join(dir, chartDir, "Chart.yaml")); err != nil {
			return "", fmt.Errorf("-root %s is not the podpolicy repository: %w", dir, err)
		}
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, chartDir, "Chart.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s/Chart.yaml in %s or above; give -root", chartDir, wd)
		}
	}
}

func orDefault(path, root, rel string) string {
	if path != "" {
		return path
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// knownArchs are the linux architectures Go can build podpolicy for that the index may hold.
var knownArchs = map[string]bool{"amd64": true, "arm64": true, "ppc64le": true, "s390x": true, "riscv64": true}

// parseArchs splits a comma-separated list of architectures, refusing unknown and repeated ones.
func parseArchs(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			continue
		case !knownArchs[a]:
			return nil, fmt.Errorf("%q is not one of amd64, arm64, ppc64le, s390x, riscv64", a)
		case seen[a]:
			return nil, fmt.Errorf("%q is given twice", a)
		}
		seen[a] = true
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("no architecture given")
	}
	return out, nil
}
