package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Exception waives one rule for the objects it matches. Every selector given must match; an
// omitted selector matches everything. An exception past its expiry no longer applies.
type Exception struct {
	Rule string `json:"rule"`
	// Namespaces, Names and Images are patterns in which * matches any run of characters.
	Namespaces []string `json:"namespaces,omitempty"`
	Names      []string `json:"names,omitempty"`
	Images     []string `json:"images,omitempty"`
	Reason     string   `json:"reason"`
	Expires    string   `json:"expires,omitempty"`

	expiresAt time.Time
}

func newException(raw map[string]any) (Exception, error) {
	e := Exception{
		Rule:       stringOf(raw["rule"]),
		Namespaces: stringsOf(raw["namespaces"]),
		Names:      stringsOf(raw["names"]),
		Images:     stringsOf(raw["images"]),
		Reason:     stringOf(raw["reason"]),
		Expires:    stringOf(raw["expires"]),
	}
	if e.Expires != "" {
		t, err := ParseDate(e.Expires)
		if err != nil {
			return e, fmt.Errorf("exception for %s: expires: %w", e.Rule, err)
		}
		e.expiresAt = t
	}
	return e, nil
}

// Expired reports whether the exception no longer applies at now.
func (e *Exception) Expired(now time.Time) bool {
	return !e.expiresAt.IsZero() && !now.Before(e.expiresAt)
}

// Subject is what an exception is matched against: one violation of one object.
type Subject struct {
	// Rule is the ID of the rule violated.
	Rule string
	// Name is the object's name; with Generated, the prefix (generateName) the API server
	// completes with random characters, which a names pattern matches only when it matches
	// every name the API server can make of it.
	Name      string
	Generated bool
	// Namespace is the object's namespace.
	Namespace string
	// Image is the image of the violating container; "" for a pod-level violation, which an
	// exception with images never matches.
	Image string
	// Owners are the verified names of the controllers above the object: names match the
	// object's own name or one of theirs.
	Owners []string
}

// Matches reports whether the exception waives the violation s at now.
func (e *Exception) Matches(s Subject, now time.Time) bool {
	if e.Rule != s.Rule || e.Expired(now) {
		return false
	}
	if len(e.Images) > 0 && (s.Image == "" || !anyGlob(e.Images, s.Image)) {
		return false
	}
	if len(e.Namespaces) > 0 && !anyGlob(e.Namespaces, s.Namespace) {
		return false
	}
	if len(e.Names) == 0 || s.Generated && slices.ContainsFunc(e.Names, func(p string) bool { return matchesEveryGenerated(p, s.Name) }) ||
		!s.Generated && anyGlob(e.Names, s.Name) {
		return true
	}
	for _, owner := range s.Owners {
		if anyGlob(e.Names, owner) {
			return true
		}
	}
	return false
}

// Waiver returns the reason of the first exception of the config that waives s at now.
func (c *Config) Waiver(s Subject, now time.Time) (string, bool) {
	if e := c.Waiving(s, now); e != nil {
		return e.Reason, true
	}
	return "", false
}

// Waiving returns the first exception of the config that waives s at now; nil when none does.
func (c *Config) Waiving(s Subject, now time.Time) *Exception {
	for i := range c.Exceptions {
		if c.Exceptions[i].Matches(s, now) {
			return &c.Exceptions[i]
		}
	}
	return nil
}

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if glob(p, s) {
			return true
		}
	}
	return false
}

// glob matches s against pattern, where * matches any run of characters, "/" included, so
// registry.example.com/legacy/* covers every image below that path.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

func stringsOf(v any) []string {
	var out []string
	for _, item := range asList(v) {
		out = append(out, stringOf(item))
	}
	return out
}
