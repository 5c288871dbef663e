package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestSameCommitSameDigest builds a second time, compiling again into other directories, and
// requires the same index digest and the same tar, byte for byte.
func TestSameCommitSameDigest(t *testing.T) {
	first := image(t)
	second := buildInto(t, "second")
	if second.err != nil {
		t.Fatalf("second build: %v", second.err)
	}
	if first.res.Digest != second.res.Digest {
		t.Errorf("two builds of one commit: digests %s and %s", first.res.Digest, second.res.Digest)
	}
	a, b := readFile(t, first.opts.Tar), readFile(t, second.opts.Tar)
	if !bytes.Equal(a, b) {
		t.Errorf("two builds of one commit: the tars differ (%d and %d bytes)", len(a), len(b))
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLayoutIsValid checks every blob of the layout against its digest and size, and every
// layer's diff ID against the config, as a registry or containerd would.
func TestLayoutIsValid(t *testing.T) {
	if err := validate.Index(image(t).index); err != nil {
		t.Error(err)
	}
}

// TestTarIsTheLayout reads the tar as `ctr images import` does: an oci-layout file, an
// index.json, and blobs named by their sha256, in sorted order and owned by root.
func TestTarIsTheLayout(t *testing.T) {
	b := image(t)
	tr := tar.NewReader(bytes.NewReader(readFile(t, b.opts.Tar)))
	var names []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		if hdr.Uid != 0 || hdr.Gid != 0 || !hdr.ModTime.Equal(commitTime(t)) {
			t.Errorf("%s: owner %d:%d, time %v; want 0:0 and the commit time", hdr.Name, hdr.Uid, hdr.Gid, hdr.ModTime)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg && !bytes.Equal(data, readFile(t, filepath.Join(b.opts.Layout, hdr.Name))) {
			t.Errorf("%s differs from the layout's file", hdr.Name)
		}
		if hex, ok := strings.CutPrefix(hdr.Name, "blobs/sha256/"); ok && hex != "" {
			if sum := sha256.Sum256(data); hexString(sum[:]) != hex {
				t.Errorf("%s holds content of digest %x", hdr.Name, sum)
			}
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("tar entries not sorted: %v", names)
	}
	for _, want := range []string{"oci-layout", "index.json", "blobs/sha256/" + b.res.Digest.Hex} {
		if !slices.Contains(names, want) {
			t.Errorf("tar lacks %s: %v", want, names)
		}
	}
}

func hexString(b []byte) string { return hex.EncodeToString(b) }

// TestPushKeepsTheDigest pushes the layout to a registry the way `crane push _out/image REF`
// does and reads the index back by its tag.
func TestPushKeepsTheDigest(t *testing.T) {
	b := image(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	top, err := layout.ImageIndexFromPath(b.opts.Layout)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := top.ImageIndex(b.res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://") + "/podpolicy/podpolicy:" + readChartFacts(t).appVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatalf("push: %v", err)
	}
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if desc.Digest != b.res.Digest {
		t.Errorf("the registry serves %s, the build printed %s", desc.Digest, b.res.Digest)
	}
}
