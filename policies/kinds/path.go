package kinds

import (
	"fmt"
	"strings"
)

// Path is a dotted path to a pod template in an object: keys, with [*] standing for every
// index of a list and * for every key of a map (spec.workerGroupSpecs[*].template,
// spec.pytorchReplicaSpecs.*.template).
type Path []Segment

// Segment is one step of a Path.
type Segment struct {
	// Key is the member to step into; "" for a wildcard.
	Key string
	// AnyIndex steps into every element of a list, AnyKey into every member of a map.
	AnyIndex, AnyKey bool
}

// ParsePath reads a template path. It refuses what can never name a pod template: an empty
// path or step, a path that ends in a wildcard (a template is a member, not a list or map of
// them) or that starts at metadata or status (which never hold one), and steps that are not
// keys or wildcards.
func ParsePath(s string) (Path, error) {
	if s == "" {
		return nil, fmt.Errorf("an empty path")
	}
	var p Path
	for _, part := range strings.Split(s, ".") {
		key, list := strings.CutSuffix(part, "[*]")
		switch {
		case part == "*":
			p = append(p, Segment{AnyKey: true})
			continue
		case key == "" || strings.ContainsAny(key, "[]*"):
			return nil, fmt.Errorf("%q is not a path of keys, [*] and *: the step %q", s, part)
		}
		p = append(p, Segment{Key: key})
		if list {
			p = append(p, Segment{AnyIndex: true})
		}
	}
	switch {
	case p[len(p)-1].Key == "":
		return nil, fmt.Errorf("%q ends in a wildcard: name the template member (…[*].template)", s)
	case p[0].Key == "metadata" || p[0].Key == "status":
		return nil, fmt.Errorf("%q starts at %s, which holds no pod template", s, p[0].Key)
	}
	return p, nil
}

// MustPath is ParsePath of a path written in the code.
func MustPath(s string) Path {
	p, err := ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.AnyIndex:
			b.WriteString("[*]")
			continue
		case i > 0:
			b.WriteString(".")
		}
		if s.AnyKey {
			b.WriteString("*")
		} else {
			b.WriteString(s.Key)
		}
	}
	return b.String()
}

// Wild reports whether the path has a wildcard.
func (p Path) Wild() bool {
	for _, s := range p {
		if s.Key == "" {
			return true
		}
	}
	return false
}
