package main

import (
	"context"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// defaultPlatforms are the architectures the image is built for (all linux).
var defaultPlatforms = []string{"amd64", "arm64"}

// options configure a build.
type options struct {
	// Root is the repository's root directory.
	Root string
	// Layout is the OCI image layout directory to write; Tar the tar file of the same layout.
	Layout, Tar string
	// Archs are the linux architectures to build, in the index's order.
	Archs []string
	// Go is the go command that compiles podpolicy.
	Go string
	// SourceDateEpoch, when not empty, replaces the commit time as the time of every file.
	SourceDateEpoch string
}

// result describes a build.
type result struct {
	// Name is repository:tag, the name the image is annotated with.
	Name string
	// Digest is the image index's digest.
	Digest v1.Hash
	// Source is the commit the image was built from.
	Source source
	// Platforms describe each platform's image, in the index's order.
	Platforms []platformResult
}

// platformResult describes one platform's image.
type platformResult struct {
	Arch   string
	Digest v1.Hash
	// Size is what a pull transfers: manifest, config and compressed layers, in bytes.
	Size int64
	// Uncompressed is the size of the layers unpacked, in bytes.
	Uncompressed int64
}

// build compiles podpolicy for every architecture and writes the image index as an OCI layout
// and as a tar of it.
func build(ctx context.Context, o options) (result, error) {
	chart, err := readChart(o.Root)
	if err != nil {
		return result{}, err
	}
	src, err := readSource(ctx, o.Root, o.SourceDateEpoch)
	if err != nil {
		return result{}, err
	}
	meta := metadata{Version: chart.AppVersion, Revision: src.Revision, Source: chart.Source, Created: src.Time}

	baseEntries, err := baseFiles()
	if err != nil {
		return result{}, err
	}
	base, err := newLayer(baseEntries, meta.Created)
	if err != nil {
		return result{}, fmt.Errorf("base layer: %w", err)
	}
	binDir, err := os.MkdirTemp("", "podpolicy-image-")
	if err != nil {
		return result{}, fmt.Errorf("directory for the binaries: %w", err)
	}
	defer os.RemoveAll(binDir)
	images := map[string]v1.Image{}
	for _, arch := range o.Archs {
		if images[arch], err = archImage(ctx, o, binDir, arch, base, meta); err != nil {
			return result{}, err
		}
	}
	idx := imageIndex(images, o.Archs, meta)
	res := result{Name: chart.Repository + ":" + chart.AppVersion, Source: src}
	if res.Digest, err = idx.Digest(); err != nil {
		return result{}, fmt.Errorf("index digest: %w", err)
	}
	for _, arch := range o.Archs {
		p, err := describe(arch, images[arch])
		if err != nil {
			return result{}, err
		}
		res.Platforms = append(res.Platforms, p)
	}
	if err := writeLayout(o.Layout, idx, chart.Repository, chart.AppVersion); err != nil {
		return result{}, err
	}
	if err := writeLayoutTar(o.Layout, o.Tar, meta.Created); err != nil {
		return result{}, err
	}
	return res, nil
}

// archImage builds the binary for arch and the platform's image around it.
func archImage(ctx context.Context, o options, binDir, arch string, base v1.Layer, meta metadata) (v1.Image, error) {
	bin, err := buildBinary(ctx, o.Go, o.Root, binDir, arch, meta.Version)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("linux/%s: %w", arch, err)
	}
	layer, err := newLayer(binaryFiles(data), meta.Created)
	if err != nil {
		return nil, fmt.Errorf("linux/%s: binary layer: %w", arch, err)
	}
	return platformImage(arch, base, layer, meta)
}

// describe sizes a platform's image.
func describe(arch string, img v1.Image) (platformResult, error) {
	p := platformResult{Arch: arch}
	var err error
	if p.Digest, err = img.Digest(); err != nil {
		return p, fmt.Errorf("linux/%s: %w", arch, err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return p, fmt.Errorf("linux/%s: %w", arch, err)
	}
	if p.Size, err = img.Size(); err != nil {
		return p, fmt.Errorf("linux/%s: %w", arch, err)
	}
	p.Size += manifest.Config.Size
	for _, l := range manifest.Layers {
		p.Size += l.Size
	}
	layers, err := img.Layers()
	if err != nil {
		return p, fmt.Errorf("linux/%s: %w", arch, err)
	}
	for _, l := range layers {
		n, err := uncompressedSize(l)
		if err != nil {
			return p, fmt.Errorf("linux/%s: %w", arch, err)
		}
		p.Uncompressed += n
	}
	return p, nil
}

// uncompressedSize returns the size of the layer's tar.
func uncompressedSize(l v1.Layer) (int64, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}
