package main

import (
	"archive/tar"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// tarFile is one entry of an image's layers.
type tarFile struct {
	hdr  tar.Header
	data []byte
}

// filesOf returns every entry of the image's layers by name, failing if a layer's entries are
// not sorted or a name repeats.
func filesOf(t *testing.T, img v1.Image) map[string]tarFile {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]tarFile{}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		var names []string
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("layer %d: %v", i, err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if _, dup := files[hdr.Name]; dup {
				t.Errorf("layer %d: %s is in an earlier layer too", i, hdr.Name)
			}
			files[hdr.Name] = tarFile{hdr: *hdr, data: data}
			names = append(names, hdr.Name)
		}
		rc.Close()
		if !slices.IsSorted(names) {
			t.Errorf("layer %d: entries not sorted: %v", i, names)
		}
	}
	return files
}

func TestFiles(t *testing.T) {
	// Everything the image holds: no shell, no package manager, no /tmp (the chart mounts
	// emptyDirs where podpolicy writes).
	want := map[string]int64{
		"etc/":                              0o755,
		"etc/group":                         0o644,
		"etc/passwd":                        0o644,
		"etc/ssl/":                          0o755,
		"etc/ssl/certs/":                    0o755,
		"etc/ssl/certs/ca-certificates.crt": 0o644,
		"podpolicy":                         0o555,
	}
	commitTime := commitTime(t)
	for platform, img := range platformImages(t, image(t)) {
		files := filesOf(t, img)
		if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
			t.Errorf("%s: files %v, want %v", platform, got, slices.Sorted(maps.Keys(want)))
		}
		for _, shell := range []string{"bin/sh", "bin/", "bin/busybox"} {
			if _, ok := files[shell]; ok {
				t.Errorf("%s: the image holds %s", platform, shell)
			}
		}
		for name, f := range files {
			wantType := byte(tar.TypeReg)
			if strings.HasSuffix(name, "/") {
				wantType = tar.TypeDir
			}
			if f.hdr.Typeflag != wantType || f.hdr.Mode != want[name] || f.hdr.Uid != 0 || f.hdr.Gid != 0 {
				t.Errorf("%s: %s is type %c mode %o owner %d:%d, want type %c mode %o owner 0:0",
					platform, name, f.hdr.Typeflag, f.hdr.Mode, f.hdr.Uid, f.hdr.Gid, wantType, want[name])
			}
			if !f.hdr.ModTime.Equal(commitTime) {
				t.Errorf("%s: %s dated %v, want the commit time %v", platform, name, f.hdr.ModTime, commitTime)
			}
		}
		if !strings.Contains("\n"+string(files["etc/passwd"].data), "\nnonroot:x:65532:65532:") {
			t.Errorf("%s: /etc/passwd has no user 65532:\n%s", platform, files["etc/passwd"].data)
		}
		if !strings.Contains("\n"+string(files["etc/group"].data), "\nnonroot:x:65532:") {
			t.Errorf("%s: /etc/group has no group 65532:\n%s", platform, files["etc/group"].data)
		}
		checkCABundle(t, platform, files["etc/ssl/certs/ca-certificates.crt"].data)
	}
}

// checkCABundle checks that the bundle holds exactly the Mozilla roots of x509roots/fallback
// that carry no constraint (a PEM bundle cannot express one), as CA certificates.
func checkCABundle(t *testing.T, platform string, data []byte) {
	t.Helper()
	got := map[string]bool{}
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("%s: CA bundle: %v", platform, err)
		}
		if !cert.IsCA {
			t.Errorf("%s: CA bundle holds %s, which is not a CA", platform, cert.Subject)
		}
		got[string(cert.Raw)] = true
	}
	want := 0
	for root := range bundle.Roots() {
		if root.Constraint == nil {
			want++
		}
		if got[string(root.Certificate)] != (root.Constraint == nil) {
			cert, _ := x509.ParseCertificate(root.Certificate)
			t.Errorf("%s: CA bundle has %s: %v; it is constrained: %v", platform, cert.Subject, got[string(root.Certificate)], root.Constraint != nil)
		}
	}
	if len(got) != want || want < 100 {
		t.Errorf("%s: CA bundle holds %d roots, want the %d unconstrained Mozilla roots", platform, len(got), want)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Errorf("%s: crypto/x509 reads no certificate from the bundle", platform)
	}
}
