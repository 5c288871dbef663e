package manifest

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// flowParser reads a flow collection ({cpu: 100m, memory: 64Mi}, [ALL]) that opens and
// closes on one line of a block document, for parseBlockYAML.
type flowParser struct {
	p    *blockParser
	text []byte
	off  int
}

// maxFlowDepth bounds the nesting parseBlockYAML reads itself; deeper goes to yaml.v3.
const maxFlowDepth = 32

func (f *flowParser) skipSpaces() {
	for f.off < len(f.text) && f.text[f.off] == ' ' {
		f.off++
	}
}

func (f *flowParser) node(kind yaml.Kind, tag string) *yaml.Node {
	return &yaml.Node{Kind: kind, Tag: tag, Line: f.p.line + 1, Column: f.p.column(f.off)}
}

// collection reads the collection whose bracket is at the offset.
func (f *flowParser) collection() (*yaml.Node, bool) { return f.nested(0) }

func (f *flowParser) nested(depth int) (*yaml.Node, bool) {
	if depth > maxFlowDepth {
		return nil, false
	}
	open := f.text[f.off]
	node, closing := f.node(yaml.MappingNode, "!!map"), byte('}')
	if open == '[' {
		node, closing = f.node(yaml.SequenceNode, "!!seq"), ']'
	}
	node.Style = yaml.FlowStyle
	f.off++
	f.skipSpaces()
	if f.off < len(f.text) && f.text[f.off] == closing {
		f.off++
		return node, true
	}
	for {
		if open == '{' {
			start := f.off
			key, ok := f.scalar(true)
			// yaml.v3 takes a key of up to 1,024 characters, as in block mappings.
			if !ok || f.off-start > 1000 || f.off+1 >= len(f.text) || f.text[f.off] != ':' {
				return nil, false
			}
			// A quoted key's colon needs no space after it ({"name":"web"}, as JSON is
			// written); a plain key's does.
			if key.Style == 0 && f.text[f.off+1] != ' ' {
				return nil, false
			}
			f.off++
			f.skipSpaces()
			node.Content = append(node.Content, key)
		}
		value, ok := f.value(depth)
		if !ok {
			return nil, false
		}
		node.Content = append(node.Content, value)
		f.skipSpaces()
		if f.off >= len(f.text) {
			return nil, false
		}
		switch f.text[f.off] {
		case closing:
			f.off++
			return node, true
		case ',':
			f.off++
			f.skipSpaces()
			// A comma before the bracket, or two commas, are left to yaml.v3.
			if f.off >= len(f.text) || f.text[f.off] == closing || f.text[f.off] == ',' {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

func (f *flowParser) value(depth int) (*yaml.Node, bool) {
	if f.off < len(f.text) && (f.text[f.off] == '{' || f.text[f.off] == '[') {
		return f.nested(depth + 1)
	}
	return f.scalar(false)
}

// scalar reads a quoted or plain scalar inside a flow collection; a plain one ends at a comma,
// a closing bracket or (as a key) its colon.
func (f *flowParser) scalar(key bool) (*yaml.Node, bool) {
	rest := f.text[f.off:]
	if len(rest) == 0 {
		return nil, false
	}
	node := f.node(yaml.ScalarNode, "")
	if rest[0] == '"' || rest[0] == '\'' {
		value, size, ok := quoted(rest)
		if !ok {
			return nil, false
		}
		node.Value, node.Tag, node.Style = value, "!!str", quotedStyle(rest[0])
		f.off += size
		f.skipSpaces()
		return node, true
	}
	if !plainStart(rest) {
		return nil, false
	}
	end := len(rest)
scan:
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; c {
		case ',', ']', '}':
			end = i
			break scan
		case '[', '{', '?', '#', '"', '\'':
			return nil, false
		case ':':
			if i+1 == len(rest) || strings.IndexByte(" ,[]{}", rest[i+1]) >= 0 {
				if !key || i+1 == len(rest) || rest[i+1] != ' ' {
					return nil, false
				}
				end = i
				break scan
			}
		}
	}
	node.Value = strings.TrimRight(string(rest[:end]), " ")
	if node.Value == "" {
		return nil, false
	}
	f.off += end
	return node, true
}
