package manifest

import (
	"math"
	"slices"
	"strconv"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies/astjson"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// objectOf builds the value normalize.Decode makes of the JSON toJSON writes for root, a
// mapping read by the block-YAML reader, without writing the JSON and reading it back (which
// was a fifth of podpolicy check's time). It does so only for what the block-YAML reader
// produces in the usual case, mappings, sequences and scalars, and reports false, for the
// caller to take the JSON path, at anything whose handling it would otherwise have to repeat:
// an alias or merge key, a repeated key, a member normalize.Decode skips, a float JSON cannot
// hold, a number OPA refuses, or a document past toJSON's limits. TestObjectOfIsDecodeOfJSON
// holds it to that path.
func objectOf(root *yaml.Node) (ast.Object, bool) {
	b := valueBuilder{budget: maxNodes}
	t, ok := b.value(root, 0)
	if !ok {
		return nil, false
	}
	obj, ok := t.Value.(ast.Object)
	return obj, ok
}

type valueBuilder struct {
	terms  astjson.Terms
	budget int
	// members is scratch space shared by every level of nesting, as in astjson's decoder.
	members [][2]*ast.Term
}

// repeated reports whether name is the key of one of members, the members of a mapping read
// so far; from 16 of them on they are indexed in seen, so that a hostile mapping costs linear
// time.
func repeated(members [][2]*ast.Term, seen *map[string]bool, name string) bool {
	if len(members) < 16 {
		for _, m := range members {
			if string(m[0].Value.(ast.String)) == name {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*len(members))
		for _, m := range members {
			(*seen)[string(m[0].Value.(ast.String))] = true
		}
	}
	if (*seen)[name] {
		return true
	}
	(*seen)[name] = true
	return false
}

func (b *valueBuilder) value(n *yaml.Node, depth int) (*ast.Term, bool) {
	b.budget--
	if b.budget < 0 || depth > maxDepth {
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		return b.mapping(n, depth)
	case yaml.SequenceNode:
		elems := make([]*ast.Term, len(n.Content))
		for i, item := range n.Content {
			t, ok := b.value(item, depth+1)
			if !ok {
				return nil, false
			}
			elems[i] = t
		}
		return b.terms.New(ast.NewArray(elems...)), true
	case yaml.ScalarNode:
		return b.scalar(n)
	}
	return nil, false
}

func (b *valueBuilder) mapping(n *yaml.Node, depth int) (*ast.Term, bool) {
	base := len(b.members)
	defer func() { b.members = b.members[:base] }()
	var seen map[string]bool
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode || isMergeKey(key) {
			return nil, false
		}
		name, err := keyString(key)
		if err != nil || slices.Contains(normalize.DecodeOptions.SkipFields, name) {
			return nil, false
		}
		if repeated(b.members[base:], &seen, name) {
			return nil, false
		}
		t, ok := b.value(value, depth+1)
		if !ok {
			return nil, false
		}
		if _, null := t.Value.(ast.Null); null && normalize.DecodeOptions.DropNullFields {
			// Kept as a key, so that a repeat of it is still found.
			t = nil
		}
		b.members = append(b.members, [2]*ast.Term{astjson.Key(name), t})
	}
	items := make([][2]*ast.Term, 0, len(b.members)-base)
	for _, m := range b.members[base:] {
		if m[1] != nil {
			items = append(items, m)
		}
	}
	return b.terms.New(ast.NewObject(items...)), true
}

func (b *valueBuilder) scalar(n *yaml.Node) (*ast.Term, bool) {
	s := resolveScalar(n)
	switch s.kind {
	case scalarNull:
		return ast.InternedNullTerm, true
	case scalarBool:
		return ast.InternedTerm(s.b), true
	case scalarInt:
		return b.number(strconv.FormatInt(s.i, 10))
	case scalarUint:
		return b.number(strconv.FormatUint(s.u, 10))
	case scalarFloat:
		if math.IsInf(s.f, 0) || math.IsNaN(s.f) {
			return nil, false
		}
		text, err := floatJSON(s.f)
		if err != nil {
			return nil, false
		}
		return b.number(string(text))
	}
	if s.str == "" {
		return ast.InternedEmptyString, true
	}
	return b.terms.New(ast.String(s.str)), true
}

// number is a number's term as astjson's decoder makes it of its JSON text.
func (b *valueBuilder) number(text string) (*ast.Term, bool) {
	if t := ast.InternedIntNumberTermFromString(text); t != nil {
		return t, true
	}
	n, err := ast.NumberChecked(text)
	if err != nil {
		return nil, false
	}
	return b.terms.New(n), true
}
