package check_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/check"
	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

// psaModule is the Pod Security Admission release whose checks podpolicy's security rules follow
// (Kubernetes 1.37).
const psaModule = "k8s.io/pod-security-admission@v0.37.2"

// psaCheck maps one check of Pod Security Admission to the podpolicy rules that implement it.
type psaCheck struct {
	// level is the lowest level the check belongs to.
	level string
	// since is the minor version (1.since) from which PSA runs the check as podpolicy implements
	// it, its newest version; fixtures of older version folders are judged by an older check.
	since int
	// rules are the podpolicy rules that deny what the check forbids (any one of them).
	rules []string
}

// psaChecks is the table: every check of psaModule's policy/check_*.go, by check ID, written by
// hand from those files. TestPodSecurityAdmissionFixtures fails when the module's checks and
// the table part ways.
var psaChecks = map[string]psaCheck{
	"privileged":                 {"baseline", 0, []string{"security-privileged"}},
	"hostNamespaces":             {"baseline", 0, []string{"host-namespaces"}},
	"hostPorts":                  {"baseline", 0, []string{"host-ports"}},
	"hostPathVolumes":            {"baseline", 0, []string{"host-path-volumes"}},
	"windowsHostProcess":         {"baseline", 0, []string{"host-process"}},
	"hostProbesAndHostLifecycle": {"baseline", 34, []string{"host-probes"}},
	"appArmorProfile":            {"baseline", 0, []string{"security-apparmor"}},
	"seLinuxOptions":             {"baseline", 31, []string{"security-selinux"}},
	"procMount":                  {"baseline", 35, []string{"security-proc-mount"}},
	"seccompProfile_baseline":    {"baseline", 19, []string{"security-seccomp"}},
	"capabilities_baseline":      {"baseline", 0, []string{"security-capabilities"}},
	"sysctls":                    {"baseline", 37, []string{"sysctls-safe"}},
	"allowPrivilegeEscalation":   {"restricted", 25, []string{"security-privilege-escalation"}},
	"capabilities_restricted":    {"restricted", 25, []string{"security-capabilities"}},
	"procMount_restricted":       {"restricted", 35, []string{"security-proc-mount"}},
	"seccompProfile_restricted":  {"restricted", 25, []string{"security-seccomp"}},
	// hostPath is judged by host-path-volumes (with its allowedPaths), the other types by
	// volume-types.
	"restrictedVolumes": {"restricted", 0, []string{"volume-types", "host-path-volumes"}},
	"runAsNonRoot":      {"restricted", 35, []string{"security-run-as-non-root"}},
	"runAsUser":         {"restricted", 35, []string{"security-run-as-non-root"}},
}

// psaUnmapped are the checks no podpolicy rule implements, with the reason.
var psaUnmapped = map[string]string{}

// TestPodSecurityAdmissionFixtures runs every fixture of Pod Security Admission's own test data
// (test/testdata/{baseline,restricted}/v1.*/{pass,fail}/*.yaml of psaModule, read from the
// module cache) through podpolicy check with that level selected (podSecurity): every fail
// fixture of a check must be denied by a rule mapped to the check, and no pass fixture may be
// denied by a mapped rule. A fixture of a version folder older than its check's current version
// is judged by an older check and left out (counted).
func TestPodSecurityAdmissionFixtures(t *testing.T) {
	dir := psaModuleDir(t)
	src := readPSAChecks(t, filepath.Join(dir, "policy"))
	compareTable(t, src)

	stats := fixtureStats{overrides: src.overrides}
	for _, level := range config.PodSecurityLevels {
		before := stats
		engine := levelEngine(t, level)
		folders, err := filepath.Glob(filepath.Join(dir, "test", "testdata", level, "v1.*"))
		if err != nil || len(folders) == 0 {
			t.Fatalf("no fixture folders for level %s in %s (%v)", level, dir, err)
		}
		for _, folder := range folders {
			minor, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(folder), "v1."))
			if err != nil {
				t.Fatalf("fixture folder %s: %v", folder, err)
			}
			for _, outcome := range []string{"pass", "fail"} {
				judgeFolder(t, engine, fixtureSet{level: level, minor: minor, outcome: outcome, dir: filepath.Join(folder, outcome)}, &stats)
			}
		}
		t.Logf("level %s (podSecurity: %s): fail %d of %d denied by the mapped rule, pass %d of %d trip no mapped rule", level, level,
			stats.failAgree-before.failAgree, stats.failJudged-before.failJudged, stats.passAgree-before.passAgree, stats.passJudged-before.passJudged)
	}
	t.Logf("PSA %s fixtures: %d files; fail: %d of %d denied by the mapped rule; pass: %d of %d trip no mapped rule; agreement %d of %d judged (%d fail and %d pass fixtures of older version folders are judged by an older version of their check and left out)",
		psaModule, stats.files, stats.failAgree, stats.failJudged, stats.passAgree, stats.passJudged,
		stats.failAgree+stats.passAgree, stats.failJudged+stats.passJudged, stats.failOlder, stats.passOlder)
	if len(psaUnmapped) == 0 {
		t.Logf("every PSA check is mapped to a podpolicy rule (%d checks)", len(psaChecks))
	}
	for id, reason := range psaUnmapped {
		t.Logf("PSA check %s is not mapped: %s", id, reason)
	}
	if stats.latestFiles == 0 || stats.latestJudged != stats.latestFiles {
		t.Errorf("judged %d of the %d fixtures of the v1.%d folders, want all", stats.latestJudged, stats.latestFiles, latestMinor)
	}
}

// latestMinor is the newest version folder of the fixtures, Kubernetes 1.37: all of its
// fixtures must be judged.
const latestMinor = 37

// fixtureStats counts the fixtures; overrides maps a baseline check to the restricted checks
// that replace it at the restricted level (their OverrideCheckIDs).
type fixtureStats struct {
	files, failJudged, failAgree, failOlder, passJudged, passAgree, passOlder int
	latestFiles, latestJudged                                                 int
	overrides                                                                 map[string][]string
}

type fixtureSet struct {
	level, outcome, dir string
	minor               int
}

// judgeFolder checks every fixture of one level/version/outcome folder.
func judgeFolder(t *testing.T, engine *policies.Engine, set fixtureSet, stats *fixtureStats) {
	t.Helper()
	docs, errs := manifest.Read([]string{set.dir}, nil)
	report := check.Run(context.Background(), engine, docs, errs)
	for _, err := range report.Errors {
		t.Errorf("%s: not judged: %v", set.dir, err)
	}
	for i := range report.Results {
		res := &report.Results[i]
		stats.files++
		judged := stats.failJudged + stats.passJudged
		name := filepath.Base(res.File())
		if set.outcome == "fail" {
			judgeFail(t, set, name, res, stats)
		} else {
			judgePass(t, set, name, res, stats)
		}
		if set.minor == latestMinor {
			stats.latestFiles++
			stats.latestJudged += stats.failJudged + stats.passJudged - judged
		}
	}
}

func judgeFail(t *testing.T, set fixtureSet, name string, res *check.ObjectResult, stats *fixtureStats) {
	t.Helper()
	id := checkOfFixture(name)
	c, ok := psaChecks[id]
	if !ok {
		if _, unmapped := psaUnmapped[id]; !unmapped {
			t.Errorf("%s/%s: fixture of check %q, which the table does not know", set.dir, name, id)
		}
		return
	}
	if set.minor < currentSince(id, set.level, stats.overrides) {
		stats.failOlder++
		return
	}
	stats.failJudged++
	for _, v := range res.Violations {
		if v.Action == policies.Deny && slices.Contains(c.rules, v.Rule) {
			stats.failAgree++
			return
		}
	}
	t.Errorf("%s/%s: PSA %s denies it (check %s), podpolicy's %v do not:\n%s", set.dir, name, set.level, id, c.rules, violationLines(res))
}

func judgePass(t *testing.T, set fixtureSet, name string, res *check.ObjectResult, stats *fixtureStats) {
	t.Helper()
	judged := false
	agree := true
	for _, rule := range mappedRules() {
		if !ruleCurrentAt(rule, set.level, set.minor, stats.overrides) {
			continue
		}
		judged = true
		for _, v := range res.Violations {
			if v.Rule == rule && v.Action == policies.Deny {
				agree = false
				t.Errorf("%s/%s: PSA %s admits it, podpolicy denies it: %s", set.dir, name, set.level, v.String())
			}
		}
	}
	if !judged {
		stats.passOlder++
		return
	}
	stats.passJudged++
	if agree {
		stats.passAgree++
	}
}

// currentSince is the version from which check id runs at level as podpolicy implements it:
// its own newest version, or that of the restricted check that replaces it at restricted.
func currentSince(id, level string, overrides map[string][]string) int {
	since := psaChecks[id].since
	if level == "restricted" {
		for _, other := range overrides[id] {
			since = max(since, psaChecks[other].since)
		}
	}
	return since
}

// ruleCurrentAt reports whether a pass fixture of level and version 1.minor says something
// about rule: every check of that level mapped to the rule runs there as podpolicy implements
// it. A rule mapped only to restricted checks is judged on every baseline fixture: the
// baseline level turns it off, so it must never deny one.
func ruleCurrentAt(rule, level string, minor int, overrides map[string][]string) bool {
	for id, c := range psaChecks {
		if !slices.Contains(c.rules, rule) || (level == "baseline" && c.level == "restricted") {
			continue
		}
		if minor < currentSince(id, level, overrides) {
			return false
		}
	}
	return true
}

func mappedRules() []string {
	var rules []string
	for _, c := range psaChecks {
		for _, r := range c.rules {
			if !slices.Contains(rules, r) {
				rules = append(rules, r)
			}
		}
	}
	slices.Sort(rules)
	return rules
}

var fixtureSuffix = regexp.MustCompile(`\d*\.yaml$`)

// checkOfFixture returns the check ID of a fixture file (capabilities_baseline3.yaml is a
// fixture of capabilities_baseline); the file names are the check IDs in lower case.
func checkOfFixture(name string) string {
	base := fixtureSuffix.ReplaceAllString(name, "")
	for id := range psaChecks {
		if strings.EqualFold(id, base) {
			return id
		}
	}
	for id := range psaUnmapped {
		if strings.EqualFold(id, base) {
			return id
		}
	}
	return base
}

func violationLines(res *check.ObjectResult) string {
	var lines []string
	for _, v := range res.Violations {
		lines = append(lines, "  "+v.String())
	}
	return strings.Join(lines, "\n")
}

// levelEngine is an engine whose config selects a Pod Security Standards level.
func levelEngine(t *testing.T, level string) *policies.Engine {
	t.Helper()
	config := filepath.Join(t.TempDir(), level+".yaml")
	if err := os.WriteFile(config, []byte("podSecurity: "+level+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	engine, err := policies.New(context.Background(), policies.Options{ConfigFile: config})
	if err != nil {
		t.Fatal(err)
	}
	return engine
}
