package config

import "slices"

// The API server names an object that gives only a generateName by appending
// generatedSuffixLength characters of generatedAlphabet to the prefix, cut to
// maxGeneratedPrefixLength (k8s.io/apiserver/pkg/storage/names.SimpleNameGenerator, with
// k8s.io/apimachinery/pkg/util/rand.String).
const (
	generatedAlphabet        = "bcdfghjklmnpqrstvwxz2456789"
	generatedSuffixLength    = 5
	maxGeneratedPrefixLength = 63 - generatedSuffixLength
)

// matchesEveryGenerated reports whether the glob pattern (* matches any run of characters)
// matches every name the API server can generate from prefix: node-agent-* does for
// node-agent-, node-agent- does not. It runs the pattern's automaton over the prefix and then
// over the suffix's characters by class (each character of the alphabet the pattern names,
// and one standing for all it does not), keeping each set of states once.
func matchesEveryGenerated(pattern, prefix string) bool {
	if len(prefix) > maxGeneratedPrefixLength {
		prefix = prefix[:maxGeneratedPrefixLength]
	}
	g := globAutomaton(pattern)
	states := g.closure([]int{0})
	for i := 0; i < len(prefix); i++ {
		states = g.step(states, prefix[i])
	}
	sets := [][]int{states}
	for range generatedSuffixLength {
		var next [][]int
		for _, s := range sets {
			for _, c := range g.classes() {
				n := g.step(s, c)
				if len(n) == 0 {
					return false
				}
				if !slices.ContainsFunc(next, func(m []int) bool { return slices.Equal(m, n) }) {
					next = append(next, n)
				}
			}
		}
		sets = next
	}
	for _, s := range sets {
		if !slices.Contains(s, len(pattern)) {
			return false
		}
	}
	return true
}

// globAutomaton is a glob pattern as a nondeterministic automaton whose states are positions
// in the pattern: a * at a position may consume any character and stay, or be skipped.
type globAutomaton string

// closure adds to states the positions reached by skipping stars; sorted, once each.
func (g globAutomaton) closure(states []int) []int {
	var out []int
	for _, s := range states {
		for {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
			if s < len(g) && g[s] == '*' {
				s++
				continue
			}
			break
		}
	}
	slices.Sort(out)
	return out
}

// step is the set of states after consuming c.
func (g globAutomaton) step(states []int, c byte) []int {
	var next []int
	for _, s := range states {
		switch {
		case s == len(g):
		case g[s] == '*':
			next = append(next, s)
		case g[s] == c:
			next = append(next, s+1)
		}
	}
	return g.closure(next)
}

// classes are the characters of the alphabet that behave apart for the pattern: each one it
// names, and one it does not name, when there is such a character.
func (g globAutomaton) classes() []byte {
	var named, other []byte
	for i := 0; i < len(generatedAlphabet); i++ {
		c := generatedAlphabet[i]
		if slices.Contains([]byte(g), c) {
			named = append(named, c)
		} else if other == nil {
			other = []byte{c}
		}
	}
	return append(named, other...)
}
