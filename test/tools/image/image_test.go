package main

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/x509roots/fallback/bundle"
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

// elfMachines are the ELF machine of each architecture.
var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// TestBinaryIsStatic checks each platform's binary: an ELF file for its architecture with no
// interpreter and no dynamic section, built with CGO_ENABLED=0 and -trimpath. (With -trimpath
// the build info leaves out -ldflags, so the version is checked by running the binary, in
// TestVersionsAgree.)
func TestBinaryIsStatic(t *testing.T) {
	for platform, img := range platformImages(t, image(t)) {
		arch := strings.TrimPrefix(platform, "linux/")
		bin := filesOf(t, img)["podpolicy"].data
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: /podpolicy is not an ELF file: %v", platform, err)
		}
		if f.Machine != elfMachines[arch] {
			t.Errorf("%s: /podpolicy is for %v", platform, f.Machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%s: /podpolicy is dynamically linked (%v)", platform, p.Type)
			}
		}
		info, err := buildinfo.Read(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: build info: %v", platform, err)
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		for key, want := range map[string]string{"CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": arch, "-trimpath": "true"} {
			if settings[key] != want {
				t.Errorf("%s: built with %s=%q, want %q", platform, key, settings[key], want)
			}
		}
	}
}

// TestVersionsAgree checks that the tag, the chart's appVersion, the version label, `make
// version` (make build's version) and what the image's binary prints are one version.
func TestVersionsAgree(t *testing.T) {
	b := image(t)
	chart := readChartFacts(t)
	var top struct {
		Manifests []struct {
			Digest      string
			Annotations map[string]string
		}
	}
	data, err := os.ReadFile(filepath.Join(b.opts.Layout, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	if len(top.Manifests) != 1 || top.Manifests[0].Digest != b.res.Digest.String() {
		t.Fatalf("index.json: %s, want one entry, the image index %s", data, b.res.Digest)
	}
	ann := top.Manifests[0].Annotations
	if ann["org.opencontainers.image.ref.name"] != chart.appVersion {
		t.Errorf("tag (ref.name) %q, want the chart's appVersion %q", ann["org.opencontainers.image.ref.name"], chart.appVersion)
	}
	if want := chart.repository + ":" + chart.appVersion; ann["io.containerd.image.name"] != want || b.res.Name != want {
		t.Errorf("image name %q (printed %q), want %q", ann["io.containerd.image.name"], b.res.Name, want)
	}
	mk := exec.Command("make", "-s", "--no-print-directory", "version")
	mk.Dir = repo(t)
	out, err := mk.Output()
	if err != nil {
		t.Fatalf("make version: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != chart.appVersion {
		t.Errorf("make version prints %q, want the chart's appVersion %q", got, chart.appVersion)
	}

	host := runtime.GOOS + "/" + runtime.GOARCH
	img, ok := platformImages(t, b)[host]
	if !ok {
		t.Fatalf("this machine (%s) cannot run any of the image's binaries to ask their version", host)
	}
	bin := filepath.Join(t.TempDir(), "podpolicy")
	if err := os.WriteFile(bin, filesOf(t, img)["podpolicy"].data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("podpolicy version: %v", err)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "podpolicy "+chart.appVersion {
		t.Errorf("podpolicy version prints %q, want %q", first, "podpolicy "+chart.appVersion)
	}
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
