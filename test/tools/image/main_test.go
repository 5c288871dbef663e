package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// The tests share one build made the way `make image` makes it (the repository's chart,
// commit and both platforms), into a temporary directory; a second build, for the
// reproducibility test, goes to another.
var (
	tmpRoot   string
	buildOnce sync.Once
	shared    builtImage
)

// builtImage is a finished build and what the tests read from it.
type builtImage struct {
	res   result
	opts  options
	index v1.ImageIndex // the image index, read back from the written layout
	err   error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "podpolicy-image-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repo returns the repository's root.
func repo(t *testing.T) string {
	t.Helper()
	root, err := repoRoot("")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// buildInto builds the image into a subdirectory of the test's temporary root, with the
// options make image uses.
func buildInto(t *testing.T, name string) builtImage {
	t.Helper()
	dir := filepath.Join(tmpRoot, name)
	o := options{Root: repo(t), Layout: filepath.Join(dir, "image"), Tar: filepath.Join(dir, "image.tar"), Archs: defaultPlatforms, Go: "go"}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	b := builtImage{opts: o}
	if b.res, b.err = build(ctx, o); b.err != nil {
		return b
	}
	top, err := layout.ImageIndexFromPath(o.Layout)
	if err != nil {
		b.err = fmt.Errorf("read the layout back: %w", err)
		return b
	}
	b.index, b.err = top.ImageIndex(b.res.Digest)
	return b
}

// image returns the shared build, making it on first use.
func image(t *testing.T) builtImage {
	t.Helper()
	buildOnce.Do(func() { shared = buildInto(t, "first") })
	if shared.err != nil {
		t.Fatalf("build: %v", shared.err)
	}
	return shared
}
