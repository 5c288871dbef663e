package main

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Annotations of the layout's index.json entry that name the image: the OCI tag (what
// `skopeo copy oci:DIR:TAG` and `crane` select), and the full name containerd's
// `ctr images import` stores the image under.
const (
	annotationRefName   = "org.opencontainers.image.ref.name"
	annotationImageName = "io.containerd.image.name"
)

// layoutMarker is the file every OCI image layout has at its root.
const layoutMarker = "oci-layout"

// writeLayout writes the index as an OCI image layout at dir, tagged name:tag, replacing the
// layout a previous build left there. It writes into a sibling directory first and renames it,
// so dir never holds a half-written layout or the blobs of an earlier build.
func writeLayout(dir string, idx v1.ImageIndex, name, tag string) error {
	if err := checkReplaceable(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create the output directory: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+"-")
	if err != nil {
		return fmt.Errorf("create the output directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	top := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{
		Add: idx,
		Descriptor: v1.Descriptor{Annotations: map[string]string{
			annotationRefName:   tag,
			annotationImageName: name + ":" + tag,
		}},
	})
	if _, err := layout.Write(tmp, top); err != nil {
		return fmt.Errorf("write the OCI layout %s: %w", dir, err)
	}
	if err := normaliseModes(tmp); err != nil {
		return fmt.Errorf("write the OCI layout %s: %w", dir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the previous layout: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("write the OCI layout %s: %w", dir, err)
	}
	return nil
}

// normaliseModes makes the layout readable by all and writable by its owner (go-containerregistry
// writes blobs 0600 and JSON files executable), as a tar of it would unpack.
func normaliseModes(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(fileMode)
		if d.IsDir() {
			mode = dirMode
		}
		return os.Chmod(p, mode)
	})
}

// checkReplaceable refuses to replace anything but an OCI layout, so a mistyped -out cannot
// delete a directory of the user's.
func checkReplaceable(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, layoutMarker)); err != nil {
		return fmt.Errorf("refusing to replace %s: it exists and is not an OCI image layout (it has no %s file)", dir, layoutMarker)
	}
	return nil
}

// writeLayoutTar writes the layout at dir as a tar file (what `ctr images import` reads):
// entries sorted by name, root-owned, with the given time, so it is as reproducible as the
// layout.
func writeLayoutTar(dir, file string, mtime time.Time) error {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		names = append(names, rel)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the OCI layout %s: %w", dir, err)
	}
	slices.Sort(names)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	tmp := file + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	defer os.Remove(tmp)
	if err := tarFiles(out, dir, names, mtime); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// tarFiles writes the named files and directories (relative to dir) to w.
func tarFiles(w io.Writer, dir string, names []string, mtime time.Time) error {
	tw := tar.NewWriter(w)
	for _, name := range names {
		hdr := &tar.Header{Name: name, ModTime: mtime, Format: tar.FormatPAX}
		if strings.HasSuffix(name, "/") {
			hdr.Typeflag, hdr.Mode = tar.TypeDir, dirMode
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			continue
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return err
		}
		info, err := f.Stat()
		if err == nil {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, fileMode, info.Size()
			err = tw.WriteHeader(hdr)
		}
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return tw.Close()
}
