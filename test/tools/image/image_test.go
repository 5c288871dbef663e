package main

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"go.yaml.in/yaml/v3"
)

// The platforms the chart's nodes may be: the issue asks for both.
var wantPlatforms = []string{"linux/amd64", "linux/arm64"}

// The chart runs podpolicy as 65532:65532 (runAsUser, runAsGroup), so the image does too.
const wantUser = "65532:65532"

// chartFacts reads what the chart says, with a parse of its own rather than the builder's.
type chartFacts struct {
	appVersion, source, repository string
}

func readChartFacts(t *testing.T) chartFacts {
	t.Helper()
	var chart struct {
		AppVersion string   `yaml:"appVersion"`
		Sources    []string `yaml:"sources"`
	}
	var values struct {
		Image struct{ Repository string } `yaml:"image"`
	}
	for file, into := range map[string]any{"Chart.yaml": &chart, "values.yaml": &values} {
		data, err := os.ReadFile(filepath.Join(repo(t), "charts", "podpolicy", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, into); err != nil {
			t.Fatal(err)
		}
	}
	return chartFacts{appVersion: chart.AppVersion, source: chart.Sources[0], repository: values.Image.Repository}
}

// gitOutput runs git in the repository.
func gitOutput(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = repo(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// platformImages returns the index's images by platform, failing unless the index holds
// exactly the wanted platforms.
func platformImages(t *testing.T, b builtImage) map[string]v1.Image {
	t.Helper()
	m, err := b.index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]v1.Image{}
	for _, d := range m.Manifests {
		if d.Platform == nil {
			t.Fatalf("index entry %s has no platform", d.Digest)
		}
		img, err := b.index.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		images[d.Platform.String()] = img
	}
	if got := slices.Sorted(maps.Keys(images)); !slices.Equal(got, wantPlatforms) {
		t.Fatalf("index platforms %v, want %v", got, wantPlatforms)
	}
	return images
}

func configOf(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestIndexHoldsBothPlatforms(t *testing.T) {
	b := image(t)
	for platform, img := range platformImages(t, b) {
		cfg := configOf(t, img)
		if got := cfg.OS + "/" + cfg.Architecture; got != platform {
			t.Errorf("the %s entry's config is for %s", platform, got)
		}
	}
	// Entries with artifactType make skopeo 1.9 rewrite the index, changing its digest.
	raw, err := b.index.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	var idx struct{ Manifests []map[string]any }
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	for _, m := range idx.Manifests {
		if _, ok := m["artifactType"]; ok {
			t.Errorf("index entry %v has an artifactType", m["digest"])
		}
	}
}

func TestConfig(t *testing.T) {
	b := image(t)
	chart := readChartFacts(t)
	wantLabels := map[string]string{
		"org.opencontainers.image.title":       "podpolicy",
		"org.opencontainers.image.description": "Kubernetes admission webhook that enforces Pod policy written in Rego",
		"org.opencontainers.image.source":      chart.source,
		"org.opencontainers.image.version":     chart.appVersion,
		"org.opencontainers.image.revision":    gitOutput(t, "rev-parse", "HEAD"),
	}
	commitTime := commitTime(t)
	for platform, img := range platformImages(t, b) {
		cfg := configOf(t, img)
		c := cfg.Config
		if c.User != wantUser {
			t.Errorf("%s: user %q, want %q", platform, c.User, wantUser)
		}
		if !slices.Equal(c.Entrypoint, []string{"/podpolicy"}) || len(c.Cmd) != 0 {
			t.Errorf("%s: entrypoint %q cmd %q, want [/podpolicy] and no cmd", platform, c.Entrypoint, c.Cmd)
		}
		if c.WorkingDir != "/" {
			t.Errorf("%s: working dir %q, want /", platform, c.WorkingDir)
		}
		if !maps.Equal(c.Labels, wantLabels) {
			t.Errorf("%s: labels\n%v\nwant\n%v", platform, c.Labels, wantLabels)
		}
		if !cfg.Created.Equal(commitTime) {
			t.Errorf("%s: created %v, want the commit time %v", platform, cfg.Created, commitTime)
		}
		for _, h := range cfg.History {
			if !h.Created.Equal(commitTime) {
				t.Errorf("%s: history %q created %v, want %v", platform, h.CreatedBy, h.Created, commitTime)
			}
		}
	}
	m, err := b.index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(m.Annotations, wantLabels) {
		t.Errorf("index annotations %v, want the labels %v", m.Annotations, wantLabels)
	}
}

func commitTime(t *testing.T) time.Time {
	t.Helper()
	secs, err := strconv.ParseInt(gitOutput(t, "log", "-1", "--format=%ct", "HEAD"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(secs, 0)
}

// TestChartRunsAsTheImageUser checks the other side of wantUser: the chart's pods run as the
// image's user.
func TestChartRunsAsTheImageUser(t *testing.T) {
	for _, tmpl := range []string{"deployment.yaml", "hooks/pre-delete-job.yaml"} {
		data, err := os.ReadFile(filepath.Join(repo(t), "charts", "podpolicy", "templates", tmpl))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"runAsUser: 65532", "runAsGroup: 65532", "runAsNonRoot: true"} {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s does not say %q", tmpl, want)
			}
		}
	}
}
