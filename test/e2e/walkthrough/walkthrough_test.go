//go:build e2e

// Package walkthrough runs every step of the README's "Writing policies" walkthrough, as
// written there, from scaffolding a rule to the audit's Reports: on a control plane with one real
// node, where `helm upgrade --install` runs the chart's Pods of podpolicy's own image with the
// new rule in extraPolicies, the hot reload of a helm upgrade denies the rule, and the audit
// writes its Reports.
package walkthrough

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
	"github.com/podpolicy/podpolicy/test/readme"
)

var (
	cluster *harness.Cluster
	root    string
)

func TestMain(m *testing.M) {
	var err error
	if root, err = harness.RepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(harness.RunNodeSuite(m, "walkthrough", nil, func(c *harness.Cluster) { cluster = c }))
}

// TestTheREADMEWalkthroughOnARealNode runs the steps of the README's walkthrough in order, in
// an empty directory beside the chart, with the podpolicy of this tree, kubectl and helm on the
// PATH and the cluster's kubeconfig: each command must exit and print as the README shows (the
// cluster's, retried where the README says they take a while).
func TestTheREADMEWalkthroughOnARealNode(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section, line, err := readme.Section(string(data), "## Writing policies")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := readme.Steps(section, line)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if _, err := harness.BuildPodpolicy(context.Background(), bin); err != nil {
		t.Fatal(err)
	}
	tools, err := harness.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	work, home := t.TempDir(), t.TempDir()
	if err := os.Symlink(filepath.Join(root, "charts"), filepath.Join(work, "charts")); err != nil {
		t.Fatal(err)
	}
	env := &readme.Env{Dir: work, Logf: t.Logf, Vars: []string{
		"PATH=" + strings.Join([]string{bin, tools, os.Getenv("PATH")}, string(os.PathListSeparator)),
		"KUBECONFIG=" + cluster.Kubeconfig, "HOME=" + home,
	}}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cluster.Helm(ctx, "uninstall", "podpolicy", "-n", "podpolicy-system", "--no-hooks")
	}()
	ran := 0
	for _, s := range steps {
		start := time.Now()
		if err := env.Run(context.Background(), s); err != nil {
			t.Fatalf("%v\n%s", err, diagnostics(t))
		}
		t.Logf("README.md:%d: done in %v", s.Line, time.Since(start).Round(time.Millisecond))
		if s.Cluster {
			ran++
		}
	}
	if ran == 0 {
		t.Fatal("the walkthrough has no step on the cluster")
	}
}

// diagnostics returns what explains a failed cluster step: podpolicy's Pods, their logs and
// the events of the release's namespace.
func diagnostics(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var b strings.Builder
	for _, args := range [][]string{
		{"get", "pods", "-A", "-o", "wide"},
		{"get", "events", "-n", "podpolicy-system", "--sort-by=.lastTimestamp"},
		{"logs", "-n", "podpolicy-system", "--all-containers", "--prefix", "--tail=40", "-l", "app.kubernetes.io/name=podpolicy"},
	} {
		r := cluster.Kubectl(ctx, "", args...)
		fmt.Fprintf(&b, "$ kubectl %s\n%s\n", strings.Join(args, " "), r.Output())
	}
	return b.String()
}
