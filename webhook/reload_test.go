package webhook

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/podpolicy/podpolicy/policies"
)

// TestReloadFailingGauge: podpolicy_policy_reload_failing is 0 after the first load, 1 from
// the moment a changed config fails to load (the last good set still in force), and 0 again
// once a change loads.
func TestReloadFailingGauge(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	// write replaces the file at once, as a ConfigMap volume's symlink swap does, so the
	// reloader never reads half of it.
	write := func(content string) {
		t.Helper()
		tmp := filepath.Join(dir, "config.yaml.new")
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	write("rules:\n  share-process-namespace: {action: deny}\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	engine, err := policies.New(ctx, policies.Options{ConfigFile: file})
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r := &reloader{engine: engine, configFile: file, interval: 10 * time.Millisecond, metrics: metrics, log: logr.Discard()}
	done := make(chan struct{})
	go func() { r.run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	gauge := func() float64 {
		var m dto.Metric
		if err := metrics.ReloadFailing.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetGauge().GetValue()
	}
	// change writes content and waits for the gauge to be want. The reloader takes its first
	// fingerprint when it starts, at a moment the test cannot see, so the file is written
	// again, a comment line different each time, until the reloader has seen a change.
	change := func(what, content string, want float64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for i := 0; gauge() != want; i++ {
			if time.Now().After(deadline) {
				t.Fatalf("%s: podpolicy_policy_reload_failing = %v, want %v", what, gauge(), want)
			}
			write(fmt.Sprintf("%s# write %d\n", content, i))
			time.Sleep(20 * time.Millisecond)
		}
	}
	if got := gauge(); got != 0 {
		t.Errorf("after the first load: podpolicy_policy_reload_failing = %v, want 0", got)
	}
	change("a config with an unknown rule", "rules:\n  no-such-rule: {action: deny}\n", 1)
	if got := engine.Config().Action("share-process-namespace"); got != "deny" {
		t.Errorf("while the reload fails, share-process-namespace is %q, want the last good config's deny", got)
	}
	change("a config that loads again", "rules:\n  share-process-namespace: {action: warn}\n", 0)
	if got := engine.Config().Action("share-process-namespace"); got != "warn" {
		t.Errorf("after the good reload, share-process-namespace is %q, want warn", got)
	}
}
