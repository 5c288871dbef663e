package manifest

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Limits on a document: a hostile manifest could nest without end, or expand aliases to
// billions of nodes ("billion laughs").
const (
	maxDepth = 1000
	maxNodes = 1_000_000
)

// toValue converts a YAML node into the JSON-compatible value the API server would see: maps
// with string keys, lists, strings, numbers, booleans and null. Unlike a plain Decode it keeps
// timestamps as the strings they are in JSON, and it reports non-string keys, recursive
// aliases and documents past the size limits with their line.
func toValue(n *yaml.Node) (any, error) {
	budget := maxNodes
	return convert(n, 0, &budget)
}

func convert(n *yaml.Node, depth int, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, fmt.Errorf("line %d: the document expands to more than %d nodes", n.Line, maxNodes)
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("line %d: the document nests deeper than %d levels", n.Line, maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0], depth+1, budget)
	case yaml.AliasNode:
		return convert(n.Alias, depth+1, budget)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a string", key.Line)
			}
			v, err := convert(value, depth+1, budget)
			if err != nil {
				return nil, err
			}
			m[key.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := convert(item, depth+1, budget)
			if err != nil {
				return nil, err
			}
			list[i] = v
		}
		return list, nil
	default:
		if n.Tag == "!!timestamp" || n.Tag == "!!binary" {
			return n.Value, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
}
