package check_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// psaModuleDir locates psaModule in the module cache, downloading it when absent (the module
// proxy is reachable, or the module cached). It runs outside this module, so go.mod and go.sum
// stay untouched.
func psaModuleDir(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", psaModule)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jsonErr := json.Unmarshal(out, &info); err != nil || jsonErr != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %v %s %s", psaModule, err, info.Error, stderrOf(err))
	}
	return info.Dir
}

func stderrOf(err error) string {
	if exit, ok := err.(*exec.ExitError); ok {
		return string(exit.Stderr)
	}
	return ""
}

// sourceCheck is what a check_*.go file of the module says about its check.
type sourceCheck struct {
	level string
	since int
}

// psaSource is what the module's policy/check_*.go say: its checks by ID, and the checks each
// restricted check replaces (baseline check -> restricted checks).
type psaSource struct {
	checks    map[string]sourceCheck
	overrides map[string][]string
}

var (
	checkIDLiteral = regexp.MustCompile(`\bID:\s+"([^"]+)"`)
	checkIDConst   = regexp.MustCompile(`CheckID = "([^"]+)"`)
	checkLevel     = regexp.MustCompile(`Level:\s+api\.Level(Baseline|Restricted)`)
	checkVersion   = regexp.MustCompile(`MinimumVersion:\s+api\.MajorMinorVersion\(1, (\d+)\)`)
	checkOverrides = regexp.MustCompile(`OverrideCheckIDs:\s+\[\]CheckID\{([^}]*)\}`)
	quotedOrIdent  = regexp.MustCompile(`"([^"]+)"|(\w+ID)`)
)

// readPSAChecks reads the checks of the module's policy/check_*.go: ID, level, newest version,
// and the checks each replaces.
func readPSAChecks(t *testing.T, dir string) psaSource {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "check_*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no check_*.go in %s (%v)", dir, err)
	}
	consts := map[string]string{}
	sources := map[string]string{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sources[file] = string(src)
		for _, m := range regexp.MustCompile(`(\w+)\s+CheckID = "([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
			consts[m[1]] = m[2]
		}
	}
	checks := map[string]sourceCheck{}
	overrides := map[string][]string{}
	for file, src := range sources {
		id := ""
		if m := checkIDLiteral.FindStringSubmatch(src); m != nil {
			id = m[1]
		} else if m := checkIDConst.FindStringSubmatch(src); m != nil {
			id = m[1]
		}
		level := checkLevel.FindStringSubmatch(src)
		if id == "" || level == nil {
			t.Fatalf("%s: cannot read the check's ID and level", file)
		}
		c := sourceCheck{level: strings.ToLower(level[1])}
		for _, m := range checkVersion.FindAllStringSubmatch(src, -1) {
			n, _ := strconv.Atoi(m[1])
			c.since = max(c.since, n)
		}
		for _, m := range checkOverrides.FindAllStringSubmatch(src, -1) {
			for _, ref := range quotedOrIdent.FindAllStringSubmatch(m[1], -1) {
				replaced := ref[1]
				if replaced == "" {
					replaced = consts[ref[2]]
				}
				if replaced != "" && !slices.Contains(overrides[replaced], id) {
					overrides[replaced] = append(overrides[replaced], id)
				}
			}
		}
		checks[id] = c
	}
	return psaSource{checks: checks, overrides: overrides}
}

// compareTable fails when the module's checks and the hand-written table differ.
func compareTable(t *testing.T, source psaSource) {
	t.Helper()
	for id, src := range source.checks {
		c, mapped := psaChecks[id]
		if _, known := psaUnmapped[id]; known {
			continue
		}
		if !mapped {
			t.Errorf("PSA check %s (%s, newest version 1.%d) is neither mapped to a rule nor listed as unmapped with a reason", id, src.level, src.since)
			continue
		}
		if c.level != src.level || c.since != src.since {
			t.Errorf("PSA check %s is %s since 1.%d in %s, the table says %s since 1.%d", id, src.level, src.since, psaModule, c.level, c.since)
		}
	}
	for id := range psaChecks {
		if _, ok := source.checks[id]; !ok {
			t.Errorf("the table maps check %s, which %s does not have", id, psaModule)
		}
	}
	if got := fmt.Sprint(source.overrides["capabilities_baseline"]); got != "[capabilities_restricted]" {
		t.Errorf("capabilities_baseline is replaced at restricted by %s, want [capabilities_restricted]", got)
	}
}
