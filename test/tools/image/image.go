package main

import (
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's process: podpolicy as 65532:65532, the user the chart's pods run as
// (runAsUser/runAsGroup 65532), started by its absolute path so that no PATH lookup is involved.
const (
	imageUser       = "65532:65532"
	imageWorkingDir = "/"
)

var (
	imageEntrypoint = []string{"/" + binaryPath}
	// imageEnv is distroless/static's: a conventional PATH and where the CA bundle is.
	imageEnv = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"SSL_CERT_FILE=/" + caBundlePath,
	}
)

// Static labels; labels() adds version and revision.
const (
	imageTitle       = "podpolicy"
	imageDescription = "Kubernetes admission webhook that enforces Pod policy written in Rego"
)

// metadata is what a build records about its source.
type metadata struct {
	// Version is the image tag and the version the binary reports (the chart's appVersion).
	Version string
	// Revision is the git commit the image is built from.
	Revision string
	// Source is the repository's URL.
	Source string
	// Created is the time of every file, of the config and of its history (SOURCE_DATE_EPOCH).
	Created time.Time
}

// labels returns the image's OCI labels; the index carries the same as annotations.
func (m metadata) labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       imageTitle,
		"org.opencontainers.image.description": imageDescription,
		"org.opencontainers.image.source":      m.Source,
		"org.opencontainers.image.version":     m.Version,
		"org.opencontainers.image.revision":    m.Revision,
	}
}

// platformImage assembles the image of one platform: the base layer, shared by all platforms,
// and the binary's layer.
func platformImage(arch string, base, binary v1.Layer, m metadata) (v1.Image, error) {
	created := v1.Time{Time: m.Created}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(img,
		mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{
			Created: created, CreatedBy: "podpolicy image: /etc/passwd, /etc/group (root, nonroot 65532), /" + caBundlePath,
		}},
		mutate.Addendum{Layer: binary, MediaType: types.OCILayer, History: v1.History{
			Created: created, CreatedBy: "podpolicy image: /" + binaryPath + " (go build, CGO_ENABLED=0, linux/" + arch + ")",
		}},
	)
	if err != nil {
		return nil, fmt.Errorf("linux/%s: append the layers: %w", arch, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("linux/%s: config: %w", arch, err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Created = "linux", arch, created
	cfg.Config = v1.Config{
		User:       imageUser,
		Entrypoint: imageEntrypoint,
		WorkingDir: imageWorkingDir,
		Env:        imageEnv,
		Labels:     m.labels(),
	}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("linux/%s: config: %w", arch, err)
	}
	return img, nil
}

// imageIndex returns the index of the platforms' images, in the order given.
func imageIndex(images map[string]v1.Image, archs []string, m metadata) v1.ImageIndex {
	var adds []mutate.IndexAddendum
	for _, arch := range archs {
		adds = append(adds, mutate.IndexAddendum{
			Add:        noArtifactType{images[arch]},
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	return mutate.Annotations(idx, m.labels()).(v1.ImageIndex)
}

// noArtifactType is an image whose descriptor in an index has no artifactType. go-containerregistry
// sets it to the config's media type, which the OCI spec allows but no image builder does, and
// tools built on image-spec 1.0 then rewrite the index when they copy it, changing its digest
// (skopeo 1.9 of Debian 12 does, even with --preserve-digests it refuses to copy).
type noArtifactType struct{ v1.Image }

// Descriptor returns the image's descriptor without artifactType.
func (i noArtifactType) Descriptor() (*v1.Descriptor, error) {
	d, err := partial.Descriptor(i.Image)
	if err != nil {
		return nil, err
	}
	d.ArtifactType = ""
	return d, nil
}
