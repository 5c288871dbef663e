package manifest

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// toValue converts a YAML node into the JSON-compatible value the API server would see: maps
// with string keys, lists, strings, numbers, booleans and null. Unlike a plain Decode it keeps
// timestamps as the strings they are in JSON, and it reports non-string keys with their line.
func toValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toValue(n.Content[0])
	case yaml.AliasNode:
		return toValue(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a string", key.Line)
			}
			v, err := toValue(value)
			if err != nil {
				return nil, err
			}
			m[key.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := toValue(item)
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
