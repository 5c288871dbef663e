package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// withExceptions is base with its config's exceptions replaced: the same compiled policies.
func withExceptions(base *Engine, exceptions []config.Exception) *Engine {
	set := *base.current.Load()
	cfg := *set.config
	cfg.Exceptions = exceptions
	set.config = &cfg
	e := &Engine{opts: base.opts}
	e.current.Store(&set)
	return e
}

// genExceptions draws one to four exceptions over the generator's names, namespaces, images
// and the library's rules; some expired.
func genExceptions(t testing.TB, c *chooser, rules []library.Rule) []config.Exception {
	t.Helper()
	var raws []any
	for range 1 + c.intn(4) {
		raw := map[string]any{"rule": rules[c.intn(len(rules))].ID, "reason": "fuzzed"}
		if c.chance(50) {
			raw["namespaces"] = []any{pick(c, "shop", "sh*", "*", "legacy", "")}
		}
		if c.chance(50) {
			raw["names"] = []any{pick(c, "web", "ne-prometheus-node-exporter", "ne-*", "*", "x", "ünï")}
		}
		if c.chance(50) {
			raw["images"] = []any{pick(c, "nginx*", "registry:5000/*", "*:latest", "*", "registry.example.com/shop/*")}
		}
		if c.chance(20) {
			raw["expires"] = pick(c, "2020-01-01", "2099-01-01")
		}
		raws = append(raws, raw)
	}
	return loadExceptions(t, rules, raws)
}

// loadExceptions reads exceptions as the config loader does.
func loadExceptions(t testing.TB, rules []library.Rule, raws []any) []config.Exception {
	t.Helper()
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.ID)
	}
	schema, err := config.BuiltinSchema(ids)
	if err != nil {
		t.Fatal(err)
	}
	src, err := json.Marshal(map[string]any{"exceptions": raws})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("fuzzed.yaml", src, schema)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Exceptions
}

// violationKeys are the violations of a result as comparable strings.
func violationKeys(r *Result) []string {
	keys := make([]string, len(r.Violations))
	for i, v := range r.Violations {
		data, _ := json.Marshal(v)
		keys[i] = string(data)
	}
	slices.Sort(keys)
	return keys
}

// checkExceptionsNeverWiden judges one generated object with a generated exception set and
// with each of its exceptions alone: the violations left by the set must be exactly those every
// exception alone leaves, so two exceptions never combine into more than each one's scope.
func checkExceptionsNeverWiden(t *testing.T, base *Engine, c *chooser) (waived bool) {
	obj := genObject(c)
	exceptions := genExceptions(t, c, base.Rules())
	namespace := pick(c, "shop", "legacy", "monitoring")
	var owners []string
	if c.chance(30) {
		owners = []string{pick(c, "ne-prometheus-node-exporter", "web")}
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func(e *Engine) ([]string, error) {
		decoded, err := normalize.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		verdict, err := e.Judge(context.Background(), decoded, Context{Namespace: namespace, Owners: owners})
		if err != nil {
			return nil, err
		}
		return violationKeys(&verdict.Result), nil
	}
	none, err := evaluate(withExceptions(base, nil))
	if err != nil {
		return false // not judged, with or without exceptions
	}
	all, err := evaluate(withExceptions(base, exceptions))
	if err != nil {
		t.Fatalf("with exceptions %+v: %v", exceptions, err)
	}
	left := none
	for _, e := range exceptions {
		alone, err := evaluate(withExceptions(base, []config.Exception{e}))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range alone {
			if !slices.Contains(none, k) {
				t.Fatalf("exception %+v alone made a violation appear: %s", e, k)
			}
		}
		left = slices.DeleteFunc(slices.Clone(left), func(k string) bool { return !slices.Contains(alone, k) })
	}
	if !slices.Equal(all, left) {
		t.Fatalf("exceptions %+v, namespace %s, owners %v, object %s:\ntogether they leave %d violations, each alone leaves the %d they all leave:\n%v\n%v",
			exceptions, namespace, owners, raw, len(all), len(left), all, left)
	}
	return len(all) < len(none)
}

// TestExceptionsNeverWiden is the fixed-seed run of FuzzExceptionsNeverWiden.
func TestExceptionsNeverWiden(t *testing.T) {
	base := newTestEngine(t, Options{Now: func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }})
	n := 300
	if testing.Short() {
		n = 50
	}
	waived := 0
	for i := range n {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if checkExceptionsNeverWiden(t, base, newChooserSeeded(uint64(i)+1_000_000)) {
				waived++
			}
		})
	}
	// The comparison means something only where exceptions waive something.
	if waived < n/5 {
		t.Errorf("exceptions waived violations of %d of %d objects, want at least %d", waived, n, n/5)
	}
	t.Logf("%d of %d generated exception sets waived violations; each waived exactly what its exceptions waive alone", waived, n)
}

// FuzzExceptionsNeverWiden: for any object and exception set the fuzzer's bytes choose, the
// set waives exactly what its exceptions waive one by one (the class of GHSA-gg4x-fgg2-h9w9,
// where two exceptions combined into a bypass).
func FuzzExceptionsNeverWiden(f *testing.F) {
	for _, seed := range []string{"", "\x01\x02", "exceptions"} {
		f.Add([]byte(seed))
	}
	base := newTestEngine(f, Options{Now: func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }})
	f.Fuzz(func(t *testing.T, data []byte) { _ = checkExceptionsNeverWiden(t, base, newChooser(data)) })
}
