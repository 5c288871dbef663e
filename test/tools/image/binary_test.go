package main

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

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
