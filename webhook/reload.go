package webhook

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/podpolicy/podpolicy/policies"
)

// reloader reloads the engine when the config file or a policy file changes. It compares file
// contents rather than watching events, which survives the symlink swaps of a ConfigMap volume.
type reloader struct {
	engine     *policies.Engine
	configFile string
	policyDirs []string
	interval   time.Duration
	metrics    *Metrics
	log        logr.Logger
	// reloaded, when set, is called after each successful reload (the audit's wake).
	reloaded func()
}

func (r *reloader) run(ctx context.Context) {
	last := r.fingerprint()
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		current := r.fingerprint()
		if current == last {
			continue
		}
		last = current
		r.reload(ctx)
	}
}

// reload loads the files again: on success the new set is in force; on failure the last good
// set keeps running, and podpolicy_policy_reload_failing says so until a load succeeds.
func (r *reloader) reload(ctx context.Context) {
	if err := r.engine.Reload(ctx); err != nil {
		r.metrics.Reloads.WithLabelValues("failure").Inc()
		r.metrics.ReloadFailing.Set(1)
		r.log.Error(err, "policy reload failed; serving the last good policies")
		return
	}
	r.metrics.Reloads.WithLabelValues("success").Inc()
	r.metrics.ReloadFailing.Set(0)
	r.metrics.policiesLoaded(r.engine, r.log, "policies reloaded")
	if r.reloaded != nil {
		r.reloaded()
	}
}

// fingerprint hashes the config file and every .rego file of the policy directories (names
// and contents). Unreadable files hash as missing, so their return is a change too.
func (r *reloader) fingerprint() [sha256.Size]byte {
	h := sha256.New()
	files := []string{r.configFile}
	for _, dir := range r.policyDirs {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".rego") && !strings.Contains(path, "/..") {
				files = append(files, path)
			}
			return nil
		})
	}
	sort.Strings(files)
	for _, f := range files {
		if f == "" {
			continue
		}
		h.Write([]byte(f + "\x00"))
		if data, err := os.ReadFile(f); err == nil {
			h.Write(data)
		}
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
