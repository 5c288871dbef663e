package main

import (
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDockerfileBuildsTheSameImage compares the Dockerfile's final stage with the image make
// image built: user, entrypoint, working directory, environment, labels, and the files its two
// COPY instructions put where; and its build stage's go build with make image's.
func TestDockerfileBuildsTheSameImage(t *testing.T) {
	b := image(t)
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := parseDockerfile(string(data))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	if len(stages) != 3 || stages[2].From != "scratch" {
		t.Fatalf("Dockerfile: want global ARGs, a build stage and a final stage FROM scratch, got %+v", stages)
	}
	builder, final := stages[1], stages[2]
	cfg := configOf(t, platformImages(t, b)["linux/amd64"])
	args := map[string]string{"VERSION": readChartFacts(t).appVersion, "REVISION": b.res.Source.Revision}

	var env []string
	labels := map[string]string{}
	var copies []copyArgs
	got := map[string]string{}
	for _, in := range final.Instrs {
		var err error
		switch in.Keyword {
		case "USER", "WORKDIR":
			got[in.Keyword] = in.Args
		case "ENTRYPOINT":
			var ep []string
			if ep, err = jsonArgs(in.Args); err == nil && !slices.Equal(ep, cfg.Config.Entrypoint) {
				t.Errorf("Dockerfile:%d: ENTRYPOINT %q, make image: %q", in.Line, ep, cfg.Config.Entrypoint)
			}
		case "ENV", "LABEL":
			var kvs [][2]string
			if kvs, err = keyValues(in.Args, args); err == nil {
				for _, kv := range kvs {
					if in.Keyword == "ENV" {
						env = append(env, kv[0]+"="+kv[1])
					} else {
						labels[kv[0]] = kv[1]
					}
				}
			}
		case "COPY":
			var c copyArgs
			if c, err = parseCopy(in.Args); err == nil {
				copies = append(copies, c)
			}
		case "ARG":
			if _, ok := args[in.Args]; !ok {
				t.Errorf("Dockerfile:%d: ARG %s: the test knows only %v", in.Line, in.Args, slices.Sorted(maps.Keys(args)))
			}
		default:
			t.Errorf("Dockerfile:%d: %s in the final stage, which make image has no counterpart of", in.Line, in.Keyword)
		}
		if err != nil {
			t.Errorf("Dockerfile:%d: %v", in.Line, err)
		}
	}
	if got["USER"] != cfg.Config.User || got["WORKDIR"] != cfg.Config.WorkingDir {
		t.Errorf("Dockerfile: USER %q WORKDIR %q; make image: %q and %q", got["USER"], got["WORKDIR"], cfg.Config.User, cfg.Config.WorkingDir)
	}
	if !slices.Equal(env, cfg.Config.Env) {
		t.Errorf("Dockerfile: ENV %q; make image: %q", env, cfg.Config.Env)
	}
	if !maps.Equal(labels, cfg.Config.Labels) {
		t.Errorf("Dockerfile: LABEL %v; make image: %v", labels, cfg.Config.Labels)
	}
	checkCopies(t, copies, builder, filesOf(t, platformImages(t, b)["linux/amd64"]))
}

// checkCopies checks that the COPY instructions put make image's files in place: the binary
// the build stage compiles, at /podpolicy with its mode, and the base files the build stage
// writes with `-rootfs`, at /.
func checkCopies(t *testing.T, copies []copyArgs, builder stage, imageFiles map[string]tarFile) {
	t.Helper()
	if len(copies) != 2 {
		t.Fatalf("Dockerfile: %d COPY instructions in the final stage, want 2 (base files, binary)", len(copies))
	}
	binary, base := copies[1], copies[0]
	if binary.Dest != "/"+binaryPath || binary.Flags["from"] != builder.Name || binary.Flags["chown"] != "0:0" ||
		binary.Flags["chmod"] != "0"+strconv.FormatInt(imageFiles[binaryPath].hdr.Mode, 8) {
		t.Errorf("Dockerfile: binary COPY %+v; make image puts /%s, root-owned, mode %o", binary, binaryPath, imageFiles[binaryPath].hdr.Mode)
	}
	goBuild := runWith(t, builder, "go build")
	for _, want := range append(buildVars("$TARGETARCH"), "-o "+binary.Sources[0], mainPackage) {
		if !containsWord(goBuild, want) {
			t.Errorf("Dockerfile: the go build RUN lacks %q (make image's build has it): %s", want, goBuild)
		}
	}
	for _, flag := range buildFlags("${VERSION}") {
		if !containsWord(goBuild, flag) && !strings.Contains(goBuild, strconv.Quote(flag)) {
			t.Errorf("Dockerfile: the go build RUN lacks %s (make image's build has it): %s", flag, goBuild)
		}
	}

	rootfsDir := strings.TrimSuffix(base.Sources[0], "/")
	if base.Dest != "/" || base.Flags["from"] != builder.Name || base.Flags["chown"] != "0:0" ||
		!containsWord(runWith(t, builder, "-rootfs"), "go run . -rootfs "+rootfsDir) {
		t.Errorf("Dockerfile: base COPY %+v: want the directory the build stage fills with `go run . -rootfs`, copied to / as root", base)
	}
	dir := t.TempDir()
	if err := writeRootFS(dir); err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			name += "/"
		}
		written[name] = true
		info, err := d.Info()
		if err != nil {
			return err
		}
		f, ok := imageFiles[name]
		if !ok {
			t.Errorf("-rootfs writes %s, which make image's image lacks", name)
			return nil
		}
		if int64(info.Mode().Perm()) != f.hdr.Mode {
			t.Errorf("-rootfs writes %s with mode %o, make image's has %o", name, info.Mode().Perm(), f.hdr.Mode)
		}
		if !d.IsDir() {
			if data, err := os.ReadFile(p); err != nil || string(data) != string(f.data) {
				t.Errorf("-rootfs writes %s with other content than make image's (%v)", name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range imageFiles {
		if !written[name] && name != binaryPath {
			t.Errorf("make image's image holds %s, which neither -rootfs nor the binary COPY provides", name)
		}
	}
}

// runWith returns the only RUN of the stage that contains s.
func runWith(t *testing.T, s stage, substr string) string {
	t.Helper()
	var found []string
	for _, in := range s.Instrs {
		if in.Keyword == "RUN" && strings.Contains(in.Args, substr) {
			found = append(found, in.Args)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Dockerfile: %d RUN instructions of the build stage contain %q, want 1", len(found), substr)
	}
	return found[0]
}

// containsWord reports whether s holds w delimited by spaces or the ends.
func containsWord(s, w string) bool {
	return regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(w) + `(\s|$)`).MatchString(s)
}

// TestDockerfileChecksTheVersion runs the Dockerfile's appVersion extraction (the sed of its
// version check) on the chart: it must find the chart's appVersion, or every Docker build would
// fail the check (or pass it with a wrong version).
func TestDockerfileChecksTheVersion(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`sed -n '([^']+)' (charts/podpolicy/Chart\.yaml)`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatal("Dockerfile: no sed -n '...' charts/podpolicy/Chart.yaml (its appVersion check)")
	}
	out, err := exec.Command("sed", "-n", m[1], filepath.Join(repo(t), m[2])).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(out)), readChartFacts(t).appVersion; got != want {
		t.Errorf("the Dockerfile's check reads appVersion %q from the chart, want %q", got, want)
	}
}
