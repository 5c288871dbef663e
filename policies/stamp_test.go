package policies

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestReusableOnlyUnderTheSamePoliciesAndDates: a verdict is reusable while the policy set it
// was judged under is in force, the library is deterministic and no date of the config passes;
// a reload, a date between, topdown (not analysed) or a rule reading the clock each make it not.
func TestReusableOnlyUnderTheSamePoliciesAndDates(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, config, "rules:\n  image-tag-pinned: {action: warn, enforceFrom: \"2027-03-01\"}\n")
	pod := replica(t, "web-7c9d6b5f4-x2k4q", unchanged)
	at := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	stampOf := func(e *Engine) Stamp {
		t.Helper()
		v, err := judge(t, e, pod, Context{Namespace: "shop", At: at})
		if err != nil {
			t.Fatal(err)
		}
		return v.Stamp
	}

	e := newTestEngine(t, Options{ConfigFile: config})
	s := stampOf(e)
	if !e.Reusable(s, at, at.Add(24*time.Hour)) {
		t.Error("a day later, under the same policies and before enforceFrom: not reusable")
	}
	if e.Reusable(s, at, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("on the rule's enforceFrom: reusable")
	}
	if e.Reusable(Stamp{}, at, at) {
		t.Error("the zero stamp: reusable")
	}
	if err := e.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.Reusable(s, at, at) {
		t.Error("after a reload: reusable")
	}
	if other := newTestEngine(t, Options{ConfigFile: config}); other.Reusable(s, at, at) {
		t.Error("on another engine: reusable")
	}

	if e := newTestEngine(t, Options{Evaluator: Topdown}); e.Reusable(stampOf(e), at, at) {
		t.Error("on topdown: reusable")
	}
	dir := t.TempDir()
	writeShapeRule(t, dir, `violation contains {"path": "metadata", "message": "judged late"} if {
	time.now_ns() > 4102444800000000000
}
`)
	clocked := newTestEngine(t, Options{PolicyDirs: []string{dir}})
	if clocked.Evaluator() != Compiled {
		t.Fatalf("the rule reading the clock runs on %s: %s", clocked.Evaluator(), clocked.EvaluatorFallback())
	}
	if clocked.Reusable(stampOf(clocked), at, at) {
		t.Error("with a rule reading the clock: reusable")
	}
	if e := newTestEngine(t, Options{}); !e.Reusable(stampOf(e), at, at.AddDate(5, 0, 0)) {
		t.Error("the shipped library without dates, five years later: not reusable")
	}
}
