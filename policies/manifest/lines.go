package manifest

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LineOf returns the line of the field at path (such as spec.containers[0].resources.limits),
// or of its deepest ancestor present in the document when the field itself is missing, which
// is where a user would add it.
func (d *Document) LineOf(path string) int {
	node, line := d.node, d.Line
	if node == nil {
		return line
	}
	for _, seg := range splitPath(path) {
		if seg.index >= 0 {
			if node.Kind != yaml.SequenceNode || seg.index >= len(node.Content) {
				return line
			}
			node = node.Content[seg.index]
			line = node.Line
			continue
		}
		key, value := member(node, seg.key)
		if key == nil {
			return line
		}
		node, line = value, key.Line
	}
	return line
}

type segment struct {
	key   string
	index int
}

// splitPath splits a.b[0].c into a, b, [0], c.
func splitPath(path string) []segment {
	var segs []segment
	for _, part := range strings.Split(path, ".") {
		for part != "" {
			open := strings.IndexByte(part, '[')
			if open < 0 {
				segs = append(segs, segment{key: part, index: -1})
				break
			}
			if open > 0 {
				segs = append(segs, segment{key: part[:open], index: -1})
			}
			end := strings.IndexByte(part[open:], ']')
			if end < 0 {
				break
			}
			n, err := strconv.Atoi(part[open+1 : open+end])
			if err != nil {
				break
			}
			segs = append(segs, segment{index: n})
			part = part[open+end+1:]
		}
	}
	return segs
}
