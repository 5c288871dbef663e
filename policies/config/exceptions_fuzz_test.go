package config

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The property of exceptions, stated: a violation is waived if and only if some exception
// that has not expired names its rule and every selector the exception gives matches it
// (namespaces its namespace; images its container's image, which a pod-level violation has
// none of; names the object's name, or the name of a verified owner, a generateName only when
// the pattern matches every name the API server can make of it); and the loader accepts no
// config that would waive anything else: an empty selector list (which would match everything)
// or an empty pattern is refused.
//
// The oracle below is written from that statement alone: patterns become regular expressions,
// generated names are enumerated by the classes of characters a pattern can tell apart.

// exceptionCase is a generated config and the subjects judged under it.
type exceptionCase struct {
	exceptions []map[string]any
	subjects   []Subject
	now        time.Time
	// refused says why the loader must refuse the config ("" when it must accept it).
	refused string
}

var (
	fuzzRules      = []string{"host-ports", "image-tag-pinned", "host-namespaces"}
	fuzzNamespaces = []string{"shop", "shop-dev", "legacy", "monitoring", "ünï"}
	fuzzNames      = []string{"web", "web-7d9f4", "node-agent-", "node-agent-x7k2p", "ne-prometheus-node-exporter", "x"}
	fuzzImages     = []string{"nginx:latest", "registry:5000/app", "registry.example.com/shop/web:1.0", ""}
	fuzzPatterns   = []string{"*", "shop", "sh*", "*-dev", "web*", "node-agent-*", "node-agent-", "*exporter*", "nginx*", "registry:5000/*", "*:latest", "registry.example.com/shop/*", "", "*b", "ü*", "x"}
)

// genExceptionCase draws a config of one to four exceptions, some with empty or missing lists,
// overlapping ones, globs and expiry on either side of now (or exactly at it), and subjects.
func genExceptionCase(r *rand.Rand) exceptionCase {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	c := exceptionCase{now: now}
	pick := func(pool []string) string { return pool[r.IntN(len(pool))] }
	for i := range 1 + r.IntN(4) {
		e := map[string]any{"rule": pick(fuzzRules), "reason": "fuzzed"}
		for _, sel := range []string{"namespaces", "names", "images"} {
			switch r.IntN(5) {
			case 0, 1: // missing: matches everything
			case 2: // empty: refused
				e[sel] = []any{}
				c.refused = fmt.Sprintf("exceptions[%d].%s: must name at least one", i, sel)
			default:
				var patterns []any
				for range 1 + r.IntN(2) {
					p := pick(fuzzPatterns)
					if p == "" {
						c.refused = fmt.Sprintf("exceptions[%d].%s[%d]: an empty pattern", i, sel, len(patterns))
					}
					patterns = append(patterns, p)
				}
				e[sel] = patterns
			}
		}
		switch r.IntN(6) {
		case 0:
			e["expires"] = "2027-02-28"
		case 1:
			e["expires"] = "2027-03-02"
		case 2:
			e["expires"] = now.Format(time.RFC3339) // expired from this instant on
		case 3:
			e["expires"] = now.Add(time.Second).Format(time.RFC3339)
		}
		c.exceptions = append(c.exceptions, e)
	}
	for range 8 {
		s := Subject{Rule: pick(fuzzRules), Name: pick(fuzzNames), Namespace: pick(fuzzNamespaces), Image: pick(fuzzImages)}
		s.Generated = strings.HasSuffix(s.Name, "-") && r.IntN(2) == 0
		if r.IntN(3) == 0 {
			s.Owners = []string{pick(fuzzNames)}
		}
		c.subjects = append(c.subjects, s)
	}
	return c
}

// waivedByDefinition is the oracle: whether the exceptions, as written, waive s at now.
func waivedByDefinition(exceptions []map[string]any, s Subject, now time.Time) bool {
	for _, e := range exceptions {
		if e["rule"] != s.Rule {
			continue
		}
		if expires, ok := e["expires"].(string); ok {
			t, err := time.Parse(time.RFC3339, expires)
			if err != nil {
				t, _ = time.Parse(time.DateOnly, expires)
			}
			if !now.Before(t) {
				continue
			}
		}
		if !given(e, "namespaces", func(p string) bool { return matchesByRegexp(p, s.Namespace) }) {
			continue
		}
		if !given(e, "images", func(p string) bool { return s.Image != "" && matchesByRegexp(p, s.Image) }) {
			continue
		}
		if !given(e, "names", func(p string) bool {
			if s.Generated && everyGeneratedName(p, s.Name) || !s.Generated && matchesByRegexp(p, s.Name) {
				return true
			}
			return slices.ContainsFunc(s.Owners, func(o string) bool { return matchesByRegexp(p, o) })
		}) {
			continue
		}
		return true
	}
	return false
}

// given is true when the exception gives no such selector, or one of its patterns matches.
func given(e map[string]any, selector string, matches func(string) bool) bool {
	patterns, ok := e[selector].([]any)
	if !ok {
		return true
	}
	for _, p := range patterns {
		if matches(p.(string)) {
			return true
		}
	}
	return false
}

// matchesByRegexp matches a pattern in which * is any run of characters, as a regular
// expression.
func matchesByRegexp(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile("^(?s:" + strings.Join(parts, ".*") + ")$").MatchString(s)
}

// everyGeneratedName enumerates the suffixes the API server can append to prefix (five of
// generatedAlphabet), by the classes of characters the pattern can tell apart, and matches
// each name by regular expression.
func everyGeneratedName(pattern, prefix string) bool {
	var classes []byte
	other := false
	for _, c := range []byte(generatedAlphabet) {
		if strings.IndexByte(pattern, c) >= 0 {
			classes = append(classes, c)
		} else if !other {
			classes, other = append(classes, c), true
		}
	}
	if len(prefix) > maxGeneratedPrefixLength {
		prefix = prefix[:maxGeneratedPrefixLength]
	}
	var each func(name string, left int) bool
	each = func(name string, left int) bool {
		if left == 0 {
			return matchesByRegexp(pattern, name)
		}
		for _, c := range classes {
			if !each(name+string(c), left-1) {
				return false
			}
		}
		return true
	}
	return each(prefix, generatedSuffixLength)
}

// checkExceptionCase loads the case's config as the config file loader does and holds it to
// the property.
func checkExceptionCase(t *testing.T, c exceptionCase) {
	t.Helper()
	src, err := json.Marshal(map[string]any{"exceptions": c.exceptions})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("fuzzed.yaml", src, builtinSchema(t))
	switch {
	case c.refused != "" && err == nil:
		t.Fatalf("%s\nloaded, but %s", src, c.refused)
	case c.refused != "" && !strings.Contains(err.Error(), "fuzzed.yaml:1: ") || c.refused == "" && err != nil:
		t.Fatalf("%s\nerror %v; want it refused for %q", src, err, c.refused)
	case c.refused != "":
		return
	}
	for _, s := range c.subjects {
		_, got := cfg.Waiver(s, c.now)
		if want := waivedByDefinition(c.exceptions, s, c.now); got != want {
			t.Fatalf("%s\nsubject %+v at %s: waived %v, by definition %v", src, s, c.now, got, want)
		}
	}
}

func TestExceptionsWaiveExactlyTheirScope(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 500
	}
	refused := 0
	for seed := range uint64(n) {
		c := genExceptionCase(rand.New(rand.NewPCG(seed, 7)))
		if c.refused != "" {
			refused++
		}
		checkExceptionCase(t, c)
	}
	if refused == 0 || refused == n {
		t.Errorf("%d of %d generated configs refused: the generator must make both kinds", refused, n)
	}
}

func FuzzExceptionsWaiveExactlyTheirScope(f *testing.F) {
	for seed := range uint64(20) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		checkExceptionCase(t, genExceptionCase(rand.New(rand.NewPCG(seed, 7))))
	})
}
