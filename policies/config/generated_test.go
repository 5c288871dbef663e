package config

import (
	"strings"
	"testing"

	utilrand "k8s.io/apimachinery/pkg/util/rand"
)

func TestNamesPatternMustMatchEveryGeneratedName(t *testing.T) {
	for _, tc := range []struct {
		pattern, prefix string
		want            bool
	}{
		{"node-agent-*", "node-agent-", true},
		{"node-agent-", "node-agent-", false},
		{"*", "node-agent-", true},
		{"node-*", "node-agent-", true},
		{"*-agent-*", "node-agent-", true},
		{"node-agent-?", "node-agent-", false},
		{"node-agent-*b", "node-agent-", false},
		{"node-agent-*****", "node-agent-", true},
		{"other-*", "node-agent-", false},
		{"node-agent-*x*", "node-agent-", false},
		{strings.Repeat("a", 58) + "*", strings.Repeat("a", 70), true},
		{strings.Repeat("a", 70) + "*", strings.Repeat("a", 70), false},
	} {
		if got := matchesEveryGenerated(tc.pattern, tc.prefix); got != tc.want {
			t.Errorf("pattern %q on names generated from %q: %v, want %v", tc.pattern, tc.prefix, got, tc.want)
		}
	}
}

// TestGeneratedNamesAgreeWithTheGenerator: a pattern that matches every generated name matches
// each name apimachinery's generator makes; one that does not misses one of a few thousand
// (the miss of node-agent-*b is one name in 27).
func TestGeneratedNamesAgreeWithTheGenerator(t *testing.T) {
	for _, pattern := range []string{"node-agent-*", "node-agent-*b", "*-agent-*", "node-*t*", "node-agent-*2*"} {
		all := matchesEveryGenerated(pattern, "node-agent-")
		missed := false
		for range 5000 {
			if !glob(pattern, "node-agent-"+utilrand.String(generatedSuffixLength)) {
				missed = true
				break
			}
		}
		if all == missed {
			t.Errorf("pattern %q: matches every generated name %v, but the generator made one it misses: %v", pattern, all, missed)
		}
	}
}
