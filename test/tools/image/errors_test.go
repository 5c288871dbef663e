package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeRepo writes a repository holding only the chart's Chart.yaml and values.yaml.
func fakeRepo(t *testing.T, chartYAML, valuesYAML string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "charts", "podpolicy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"Chart.yaml": chartYAML, "values.yaml": valuesYAML} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestReadChartNamesTheFileAndField(t *testing.T) {
	const values = "image:\n  repository: registry.example.com/podpolicy\n"
	const sources = "sources: [https://example.com/podpolicy]\n"
	for _, tc := range []struct {
		name, chart, values, want string
	}{
		{"no appVersion", "name: podpolicy\n" + sources, values, "Chart.yaml: appVersion is not set"},
		{"not a tag", "appVersion: \"1.0 beta\"\n" + sources, values, `Chart.yaml: appVersion "1.0 beta" is not an image tag`},
		{"tag starting with a dot", "appVersion: .1\n" + sources, values, `appVersion ".1" is not an image tag`},
		{"no sources", "appVersion: 1.0.0\n", values, "Chart.yaml: sources is empty"},
		{"no repository", "appVersion: 1.0.0\n" + sources, "image:\n  tag: \"\"\n", "values.yaml: image.repository is not set"},
		{"broken YAML", "appVersion: [1\n", values, "Chart.yaml: yaml:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readChart(fakeRepo(t, tc.chart, tc.values))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	got, err := readChart(fakeRepo(t, "appVersion: \"2.3.4-rc.1\"\n"+sources, values))
	if want := (chartInfo{AppVersion: "2.3.4-rc.1", Source: "https://example.com/podpolicy", Repository: "registry.example.com/podpolicy"}); err != nil || got != want {
		t.Errorf("readChart: %+v, %v; want %+v", got, err, want)
	}
}

func TestMissingChart(t *testing.T) {
	_, err := readChart(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), filepath.Join("charts", "podpolicy", "Chart.yaml")) {
		t.Errorf("error %v, want one naming charts/podpolicy/Chart.yaml", err)
	}
}

func TestSourceDateEpoch(t *testing.T) {
	ctx := context.Background()
	src, err := readSource(ctx, repo(t), "0")
	if err != nil || !src.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("SOURCE_DATE_EPOCH=0: time %v, %v; want 1970-01-01", src.Time, err)
	}
	for _, bad := range []string{"yesterday", "-5", "1.5"} {
		if _, err := readSource(ctx, repo(t), bad); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH=\""+bad+"\"") {
			t.Errorf("SOURCE_DATE_EPOCH=%s: error %v, want one naming it", bad, err)
		}
	}
	if _, err := readSource(ctx, t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "git rev-parse HEAD") {
		t.Errorf("outside a git checkout: error %v, want one naming the git command", err)
	}
}

func TestLayoutRefusesToReplaceOtherDirectories(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeLayout(dir, nil, "example.com/p", "1")
	if err == nil || !strings.Contains(err.Error(), "refusing to replace "+dir) {
		t.Errorf("error %v, want a refusal naming %s", err, dir)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the directory's file is gone: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-arch", "amd64,mips"}, `-arch: "mips" is not one of`},
		{[]string{"-arch", "amd64,amd64"}, `"amd64" is given twice`},
		{[]string{"-arch", ","}, "no architecture given"},
		{[]string{"extra"}, "unexpected arguments [extra]"},
		{[]string{"-root", "/nonexistent"}, "-root /nonexistent is not the podpolicy repository"},
		{[]string{"-frobnicate"}, "flag provided but not defined"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
