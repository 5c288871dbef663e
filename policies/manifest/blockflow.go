package manifest

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFlowDepth bounds the nesting parseBlockYAML reads itself; deeper goes to yaml.v3.
const maxFlowDepth = 32

// A flow collection ({cpu: 100m, memory: 64Mi}, [ALL]) opens and closes on one line of a block
// document; the methods below read it from the cursor, which stays on that line.

// flowCollection reads the collection whose bracket is at the cursor, depth levels down.
func (p *blockParser) flowCollection(depth int) (*yaml.Node, bool) {
	if depth > maxFlowDepth {
		return nil, false
	}
	text := p.lines[p.line].text
	open := text[p.off]
	node, closing := p.nodeAtCursor(yaml.MappingNode, "!!map"), byte('}')
	if open == '[' {
		node, closing = p.nodeAtCursor(yaml.SequenceNode, "!!seq"), ']'
	}
	node.Style = yaml.FlowStyle
	p.off++
	p.skipSpaces()
	if p.off < len(text) && text[p.off] == closing {
		p.off++
		return node, true
	}
	for {
		if open == '{' {
			start := p.off
			key, ok := p.flowScalar(true)
			// yaml.v3 takes a key of up to 1,024 characters, as in block mappings.
			if !ok || p.off-start > 1000 || p.off+1 >= len(text) || text[p.off] != ':' {
				return nil, false
			}
			// A quoted key's colon needs no space after it ({"name":"web"}, as JSON is
			// written); a plain key's does.
			if key.Style == 0 && text[p.off+1] != ' ' {
				return nil, false
			}
			p.off++
			p.skipSpaces()
			node.Content = append(node.Content, key)
		}
		value, ok := p.flowValue(depth)
		if !ok {
			return nil, false
		}
		node.Content = append(node.Content, value)
		p.skipSpaces()
		if p.off >= len(text) {
			return nil, false
		}
		switch text[p.off] {
		case closing:
			p.off++
			return node, true
		case ',':
			p.off++
			p.skipSpaces()
			// A comma before the bracket, or two commas, are left to yaml.v3.
			if p.off >= len(text) || text[p.off] == closing || text[p.off] == ',' {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

// flowValue reads a collection member: a nested collection or a scalar.
func (p *blockParser) flowValue(depth int) (*yaml.Node, bool) {
	if rest := p.rest(); len(rest) > 0 && (rest[0] == '{' || rest[0] == '[') {
		return p.flowCollection(depth + 1)
	}
	return p.flowScalar(false)
}

// flowScalar reads a quoted or plain scalar inside a flow collection; a plain one ends at a comma,
// a closing bracket or (as a key) its colon.
func (p *blockParser) flowScalar(key bool) (*yaml.Node, bool) {
	rest := p.rest()
	if len(rest) == 0 {
		return nil, false
	}
	node := p.nodeAtCursor(yaml.ScalarNode, "")
	if rest[0] == '"' || rest[0] == '\'' {
		size, ok := readQuoted(node, rest)
		if !ok {
			return nil, false
		}
		p.off += size
		p.skipSpaces()
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
	p.off += end
	return node, true
}
