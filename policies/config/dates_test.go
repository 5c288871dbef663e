package config

import (
	"path/filepath"
	"testing"
	"time"
)

// TestSameAtSeesEveryDate: two times are the same for the config exactly when no enforceFrom
// and no expires takes effect between them, a date taking effect at its own instant; and
// wherever a rule's action or an exception's expiry differs between two times, SameAt says so.
func TestSameAtSeesEveryDate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, file, `rules:
  image-tag-pinned: {action: warn, enforceFrom: "2027-03-01"}
exceptions:
- {rule: host-ports, reason: the node agent, expires: "2027-06-01T12:00:00Z"}
`)
	c := mustLoad(t, file)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"2027-01-01T00:00:00Z", "2027-02-28T23:59:59Z", true},
		{"2027-02-28T23:59:59Z", "2027-03-01T00:00:00Z", false},
		{"2027-03-01T00:00:00Z", "2027-02-28T23:59:59Z", false},
		{"2027-03-01T00:00:00Z", "2027-06-01T11:59:59Z", true},
		{"2027-06-01T11:59:59Z", "2027-06-01T12:00:00Z", false},
		{"2027-06-01T12:00:00Z", "2030-01-01T00:00:00Z", true},
		{"2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z", false},
		{"2027-04-01T00:00:00Z", "2027-04-01T00:00:00Z", true},
	} {
		if got := c.SameAt(at(tc.a), at(tc.b)); got != tc.same {
			t.Errorf("SameAt(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}

	// Against the dates' own readers, every hour of half a year around them.
	var times []time.Time
	for h := time.Duration(0); h < 180*24*time.Hour; h += time.Hour {
		times = append(times, at("2027-01-15T00:00:00Z").Add(h))
	}
	exception := &c.Exceptions[0]
	for i := 0; i < len(times); i += 7 {
		a := times[i]
		for _, b := range times {
			actionA, _ := c.ActionAt("image-tag-pinned", a)
			actionB, _ := c.ActionAt("image-tag-pinned", b)
			if (actionA != actionB || exception.Expired(a) != exception.Expired(b)) && c.SameAt(a, b) {
				t.Fatalf("SameAt(%v, %v) though the verdict differs", a, b)
			}
		}
	}
}
