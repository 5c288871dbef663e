package check

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// unknownKind returns an error when apiVersion is a built-in API group version that has no
// such kind (a typo such as Deploymnet, which the API server would refuse), and nil for every
// other object: built-in kinds podpolicy does not evaluate, and custom resources, are skipped.
func unknownKind(apiVersion, kind string) error {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || !scheme.Scheme.IsVersionRegistered(gv) || scheme.Scheme.Recognizes(gv.WithKind(kind)) {
		return nil
	}
	msg := fmt.Sprintf("kind %q is not a kind of %s", kind, apiVersion)
	if near := nearestKind(gv, kind); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return fmt.Errorf("%s", msg)
}

// nearestKind returns the kind of gv closest to kind, within two edits, or "".
func nearestKind(gv schema.GroupVersion, kind string) string {
	var kinds []string
	for k := range scheme.Scheme.KnownTypes(gv) {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	best, bestDistance := "", 3
	for _, k := range kinds {
		if d := editDistance(strings.ToLower(k), strings.ToLower(kind)); d < bestDistance {
			best, bestDistance = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
