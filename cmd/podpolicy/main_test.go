package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCheckExitCodes(t *testing.T) {
	bad := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(bad, []byte("rules:\n  no-such-rule: {action: warn}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"denied", []string{"check", "-f", "../../examples/web-server-pod.yaml"}, 1, ""},
		{"clean", []string{"check", "-f", "../../examples/web-server-pod-fixed.yaml", "-f", "../../examples/job.yaml"}, 0, ""},
		{"warn only", []string{"check", "-f", "../../examples/pod-shared-process-namespace.yaml"}, 0, ""},
		{"missing file wins over denial", []string{"check", "-f", "../../examples/web-server-pod.yaml", "-f", "nope.yaml"}, 2, ""},
		{"no -f", []string{"check"}, 2, "give the manifests with -f"},
		{"bad output", []string{"check", "-f", "-", "-o", "xml"}, 2, `-o "xml"`},
		{"unknown flag", []string{"check", "--frobnicate"}, 2, "flag provided but not defined"},
		{"bad config", []string{"check", "-f", "../../examples", "--config", bad}, 2, `config.yaml:2: rules.no-such-rule: unknown rule ID`},
		{"bad policy dir", []string{"check", "-f", "../../examples", "--policy-dir", "../../policies/testdata/policy-broken"}, 2, "broken.rego:5"},
		{"unknown command", []string{"chekc"}, 2, `unknown command "chekc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}

func TestCheckReadsStdinAsJSON(t *testing.T) {
	manifest, err := os.ReadFile("../../examples/web-server-pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCLI(t, string(manifest), "check", "-f", "-", "-o", "json")
	var out struct {
		Results []struct {
			Source     string
			Violations []struct{ Rule string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if code != 1 || len(out.Results) != 1 || out.Results[0].Source != "-#0" || len(out.Results[0].Violations) != 12 {
		t.Errorf("exit %d, output %s", code, stdout)
	}
}

func TestTestCommand(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--coverage", "../../policies/testdata/policy-extra")
	if code != 0 || !strings.Contains(stdout, "PASS: ") || !strings.Contains(stdout, "total") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "test", "testdata/failing-tests")
	if code != 1 || !strings.Contains(stdout, "test_deny_fails_on_purpose: FAIL") {
		t.Errorf("a failing test: exit %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, "", "test", "../../policies/testdata/policy-broken")
	if code != 2 || !strings.Contains(stderr, "broken.rego:5") {
		t.Errorf("a broken policy: exit %d, %s", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(stdout, "podpolicy ") || !strings.Contains(stdout, "opa 1.22") {
		t.Errorf("exit %d: %s", code, stdout)
	}
}
