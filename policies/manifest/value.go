package manifest

import (
	"slices"

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
	// members and keys are scratch stacks shared by every level of nesting, as in astjson's
	// decoder and toJSON's encoder: the items and keys of the mapping being read are on top.
	members [][2]*ast.Term
	keys    []string
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
	keys := newMappingKeys(&b.keys)
	defer func() {
		b.members = b.members[:base]
		keys.close()
	}()
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode || isMergeKey(key) {
			return nil, false
		}
		name, err := keyString(key)
		if err != nil || slices.Contains(normalize.DecodeOptions.SkipFields, name) || !keys.add(name) {
			return nil, false
		}
		t, ok := b.value(value, depth+1)
		if !ok {
			return nil, false
		}
		if _, null := t.Value.(ast.Null); null && normalize.DecodeOptions.DropNullFields {
			continue
		}
		b.members = append(b.members, [2]*ast.Term{astjson.Key(name), t})
	}
	// ast.NewObject copies the items, so the scratch space is free again once it returns.
	return b.terms.New(ast.NewObject(b.members[base:]...)), true
}

func (b *valueBuilder) scalar(n *yaml.Node) (*ast.Term, bool) {
	switch s := resolveScalar(n); s.kind {
	case scalarNull:
		return ast.InternedNullTerm, true
	case scalarBool:
		return ast.InternedTerm(s.b), true
	case scalarInt, scalarUint, scalarFloat:
		text, err := appendNumber(nil, n, s)
		if err != nil {
			return nil, false
		}
		t, err := b.terms.Number(string(text))
		return t, err == nil
	default:
		return b.terms.String(s.str), true
	}
}
