package main

import (
	"bytes"
	"embed"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// Paths and modes of the image's files. The image has no shell and no package manager: the
// binary, the users it may run as, and the CA bundle Go's crypto/x509 reads on Linux.
const (
	binaryPath   = "podpolicy"
	binaryMode   = 0o555
	caBundlePath = "etc/ssl/certs/ca-certificates.crt"
	fileMode     = 0o644
	dirMode      = 0o755
)

// etcFiles are /etc/passwd and /etc/group: root, and nonroot (65532:65532), the user the
// image runs as.
//
//go:embed rootfs/etc
var etcFiles embed.FS

// entry is one file or directory of a layer, owned by root:root.
type entry struct {
	// Name is the path without a leading slash; a directory's ends in "/".
	Name string
	Mode int64
	Data []byte
}

// isDir reports whether the entry is a directory.
func (e entry) isDir() bool { return e.Name[len(e.Name)-1] == '/' }

// baseFiles returns the entries of the base layer, the same for every platform and version:
// /etc/passwd, /etc/group and the CA bundle, with their parent directories, sorted by name.
func baseFiles() ([]entry, error) {
	var files []entry
	err := fs.WalkDir(etcFiles, "rootfs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := etcFiles.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read the embedded %s: %w", p, err)
		}
		files = append(files, entry{Name: p[len("rootfs/"):], Mode: fileMode, Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	files = append(files, entry{Name: caBundlePath, Mode: fileMode, Data: caBundle()})
	return withParents(files), nil
}

// binaryFiles returns the entries of the binary layer.
func binaryFiles(binary []byte) []entry {
	return []entry{{Name: binaryPath, Mode: binaryMode, Data: binary}}
}

// withParents adds an entry for every parent directory of the files and sorts all by name,
// so that a directory comes before what it holds.
func withParents(files []entry) []entry {
	seen := map[string]bool{}
	out := slices.Clone(files)
	for _, f := range files {
		for dir := path.Dir(f.Name); dir != "."; dir = path.Dir(dir) {
			if !seen[dir] {
				seen[dir] = true
				out = append(out, entry{Name: dir + "/", Mode: dirMode})
			}
		}
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// caBundle returns the Mozilla root certificates of golang.org/x/crypto/x509roots/fallback (a
// Go module, so the version is pinned by go.sum and the bundle is the same on every machine) as
// a PEM bundle. A root that Mozilla trusts only for certificates issued before a date is left
// out: a PEM bundle cannot carry that constraint.
func caBundle() []byte {
	var buf bytes.Buffer
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		// Writing to a bytes.Buffer cannot fail.
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate})
	}
	return buf.Bytes()
}

// writeRootFS writes the base layer's files into dir with their modes, for the Dockerfile,
// which copies them into its image (`go run ./test/tools/image -rootfs DIR`).
func writeRootFS(dir string) error {
	files, err := baseFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if f.isDir() {
			err = os.MkdirAll(p, dirMode)
		} else {
			err = os.WriteFile(p, f.Data, fileMode)
		}
		if err == nil {
			// Chmod, because the umask narrows the mode given to MkdirAll and WriteFile.
			err = os.Chmod(p, fs.FileMode(f.Mode))
		}
		if err != nil {
			return fmt.Errorf("write the base files into %s: %w", dir, err)
		}
	}
	return nil
}
