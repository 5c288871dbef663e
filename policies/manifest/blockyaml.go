package manifest

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// parseBlockYAML reads one document written in the block style helm template and kubectl
// write (block mappings and sequences, one-line plain and quoted scalars, literal block
// scalars, empty flow collections, comments) straight into the yaml.Node tree yaml.v3 would
// build, without yaml.v3's token and event stages, which cost most of check's CPU. It reports
// false at anything outside that subset (tabs, carriage returns, bytes outside printable
// ASCII, anchors, aliases, tags, flow collections with content, folded or kept block
// scalars, multi-line plain or quoted scalars, text it does not read as YAML); the caller
// then parses the document with yaml.v3. FuzzBlockYAMLIsYAMLv3 holds the two equal.
//
// A plain scalar's Tag is left empty, for ShortTag to resolve as yaml.v3 would have: the
// reader resolves scalars itself (resolve.go), and resolving each as yaml.v3 does cost a
// quarter of the parse.
//
// The nodes come from nodes (from the heap when it is nil), which the caller releases when
// nothing holds them any more.
func parseBlockYAML(data []byte, nodes *nodeSlab) (*yaml.Node, bool) {
	if !printable(data) {
		return nil, false
	}
	p := &blockParser{lines: nodes.lineBuffer(bytes.Count(data, []byte{'\n'})), open: nodes.openBuffer(), nodes: nodes}
	if nodes != nil {
		// The stack grows as the parse needs; the next parse starts from what this one grew.
		defer func() { nodes.open = p.open }()
	}
	for len(data) > 0 {
		text := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			// A last line without a line break changes what a block scalar ends with.
			return nil, false
		}
		if (len(p.lines) > 0 && isMarker(text, '-')) || isMarker(text, '.') {
			// A document marker after the first line: more than one document.
			return nil, false
		}
		l := newSourceLine(text)
		if l.indent > maxBlockIndent {
			return nil, false
		}
		p.lines = append(p.lines, l)
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode}
	if len(p.lines) > 0 && bytes.HasPrefix(p.lines[0].text, []byte("---")) {
		if rest := p.lines[0].text[3:]; len(rest) > 0 && (rest[0] != ' ' || !isCommentOrBlank(rest)) {
			return nil, false
		}
		doc.Line, doc.Column = 1, 1
		p.line = 1
	}
	if !p.skipBlank() {
		return nil, false
	}
	l := p.lines[p.line]
	if l.isSequenceEntry() {
		return nil, false
	}
	if doc.Line == 0 {
		doc.Line, doc.Column = p.line+1, l.indent+1
	}
	p.off = l.indent
	var root *yaml.Node
	var ok bool
	if l.text[l.indent] == '{' {
		// An object as JSON on one line.
		root, ok = p.inline(-1)
	} else {
		root, ok = p.mapping(l.indent)
	}
	if !ok || p.skipBlank() {
		return nil, false
	}
	doc.Content = []*yaml.Node{root}
	return doc, true
}

// printable reports whether the text holds only line feeds and the characters yaml.v3 reads
// as printable: no tabs, carriage returns or other control characters, no byte order mark,
// nothing outside the Basic Multilingual Plane.
func printable(data []byte) bool {
	for i := 0; i < len(data); {
		if i+8 <= len(data) && plainASCIIWord(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
			continue
		}
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		// yaml.v3 counts U+2028 and U+2029 as line breaks.
		if (r == utf8.RuneError && size == 1) || r < 0xa0 || r == 0x2028 || r == 0x2029 || (r >= 0xd800 && r < 0xe000) || r == 0xfeff || r > 0xfffd {
			return false
		}
		i += size
	}
	return true
}

// Each byte of a word: all ones, its high bit, a line feed, a DEL.
const (
	wordOnes     = 0x0101010101010101
	wordHighBits = 0x8080808080808080
	wordLF       = '\n' * wordOnes
	wordDEL      = 0x7f * wordOnes
)

// plainASCIIWord reports whether each of the eight bytes of w is a line feed or a printable
// ASCII character (0x20 to 0x7e), eight of printable's steps at once. Each test below flags
// exactly the bytes it names: no subtraction borrows from a neighbouring byte.
func plainASCIIWord(w uint64) bool {
	if w&wordHighBits != 0 {
		return false
	}
	// A byte with its high bit set loses it on subtracting 0x20 only if it was below 0x20.
	control := ^((w | wordHighBits) - 0x20*wordOnes) & wordHighBits
	return control&^zeroBytes(w^wordLF) == 0 && zeroBytes(w^wordDEL) == 0
}

// zeroBytes has the high bit set in each byte of w that is zero, and nowhere else.
func zeroBytes(w uint64) uint64 {
	const low uint64 = wordHighBits - wordOnes // 0x7f in each byte
	return ^(((w & low) + low) | w | low)
}

// maxBlockIndent bounds the indentation parseBlockYAML reads itself, and with it the nesting
// (yaml.v3 refuses more than 10,000 levels); deeper goes to yaml.v3.
const maxBlockIndent = 500

// sourceLine is one line of the document.
type sourceLine struct {
	text   []byte
	indent int
	// blank is an empty line, spaces only or a comment alone.
	blank bool
	// ascii is a line of single-byte characters, whose columns are its byte offsets.
	ascii bool
}

func newSourceLine(text []byte) sourceLine {
	indent := 0
	for indent < len(text) && text[indent] == ' ' {
		indent++
	}
	return sourceLine{text: text, indent: indent, blank: indent == len(text) || text[indent] == '#', ascii: utf8.RuneCount(text) == len(text)}
}

func (l sourceLine) isSequenceEntry() bool {
	return !l.blank && l.text[l.indent] == '-' && (l.indent+1 == len(l.text) || l.text[l.indent+1] == ' ')
}

// isCommentOrBlank reports whether what is left of a line after a token is spaces and at
// most a comment.
func isCommentOrBlank(rest []byte) bool {
	trimmed := bytes.TrimLeft(rest, " ")
	return len(trimmed) == 0 || (trimmed[0] == '#' && len(trimmed) < len(rest))
}

// blockParser is a cursor over the lines of a document: the line and the offset in it where
// the unread text starts.
type blockParser struct {
	lines     []sourceLine
	line, off int
	nodes     *nodeSlab
	// open are the children of the collections being read, innermost last; each collection
	// takes its own when it ends (closeCollection).
	open []*yaml.Node
}

// closeCollection gives n the children read since the stack held base of them.
func (p *blockParser) closeCollection(n *yaml.Node, base int) *yaml.Node {
	n.Content = p.nodes.contentOf(p.open[base:])
	p.open = p.open[:base]
	return n
}

// skipBlank moves to the next line with content and reports whether there is one.
func (p *blockParser) skipBlank() bool {
	for p.line < len(p.lines) && p.lines[p.line].blank {
		p.line++
	}
	return p.line < len(p.lines)
}

// nextLine moves past the current line to the next with content and reports whether there
// is one.
func (p *blockParser) nextLine() bool {
	p.line++
	return p.skipBlank()
}

func (p *blockParser) rest() []byte { return p.lines[p.line].text[p.off:] }

// nodeAtCursor is a node that starts at the cursor.
func (p *blockParser) nodeAtCursor(kind yaml.Kind, tag string) *yaml.Node {
	return p.node(kind, tag, p.line+1, p.column(p.off))
}

// node is a new node of the document.
func (p *blockParser) node(kind yaml.Kind, tag string, line, column int) *yaml.Node {
	n := p.nodes.newNode()
	n.Kind, n.Tag, n.Line, n.Column = kind, tag, line, column
	return n
}

func (p *blockParser) skipSpaces() {
	for p.off < len(p.lines[p.line].text) && p.lines[p.line].text[p.off] == ' ' {
		p.off++
	}
}

// column is the column (in characters, from 1) of the byte at offset off of the current line.
func (p *blockParser) column(off int) int {
	l := p.lines[p.line]
	if l.ascii {
		return off + 1
	}
	return utf8.RuneCount(l.text[:off]) + 1
}

// mapping reads a block mapping whose keys stand at column indent, the first at the cursor.
func (p *blockParser) mapping(indent int) (*yaml.Node, bool) {
	m, base := p.nodeAtCursor(yaml.MappingNode, "!!map"), len(p.open)
	for {
		key, ok := p.key()
		if !ok {
			return nil, false
		}
		value, ok := p.value(indent, true)
		if !ok {
			return nil, false
		}
		p.open = append(p.open, key, value)
		if p.line >= len(p.lines) {
			return p.closeCollection(m, base), true
		}
		l := p.lines[p.line]
		switch {
		case l.indent < indent:
			return p.closeCollection(m, base), true
		case l.indent > indent, l.isSequenceEntry():
			return nil, false
		}
		p.off = l.indent
	}
}

// sequence reads a block sequence whose entries stand at column indent, the first on the
// cursor's line.
func (p *blockParser) sequence(indent int) (*yaml.Node, bool) {
	s, base := p.node(yaml.SequenceNode, "!!seq", p.line+1, indent+1), len(p.open)
	for {
		p.off = indent + 1
		afterDash := p.rest()
		p.skipSpaces()
		var item *yaml.Node
		var ok bool
		switch rest := p.rest(); {
		case isCommentOrBlank(afterDash):
			p.off = indent + 1
			item, ok = p.value(indent, false)
		case rest[0] == '-' && (len(rest) == 1 || rest[1] == ' '):
			return nil, false
		case p.startsKey():
			item, ok = p.mapping(p.off)
		default:
			item, ok = p.value(indent, false)
		}
		if !ok {
			return nil, false
		}
		p.open = append(p.open, item)
		if p.line >= len(p.lines) {
			return p.closeCollection(s, base), true
		}
		l := p.lines[p.line]
		switch {
		case l.indent < indent, l.indent == indent && !l.isSequenceEntry():
			return p.closeCollection(s, base), true
		case l.indent > indent:
			return nil, false
		}
	}
}

// startsKey reports whether the text at the cursor is a mapping key and its colon.
func (p *blockParser) startsKey() bool {
	saved := *p
	_, ok := p.key()
	*p = saved
	return ok
}

// key reads a mapping key and its colon at the cursor, leaving the cursor after the colon.
func (p *blockParser) key() (*yaml.Node, bool) {
	rest := p.rest()
	if len(rest) == 0 {
		return nil, false
	}
	node := p.nodeAtCursor(yaml.ScalarNode, "")
	var n int
	switch rest[0] {
	case '"', '\'':
		size, ok := readQuoted(node, rest)
		if !ok {
			return nil, false
		}
		n = size
	default:
		if !plainStart(rest) {
			return nil, false
		}
		colon := -1
		for i := 1; i < len(rest); i++ {
			if rest[i] == ':' && (i+1 == len(rest) || rest[i+1] == ' ') {
				colon = i
				break
			}
			if rest[i] == '#' && rest[i-1] == ' ' {
				return nil, false
			}
		}
		if colon < 0 {
			return nil, false
		}
		node.Value = strings.TrimRight(string(rest[:colon]), " ")
		n = colon
	}
	// yaml.v3 takes a key of up to 1,024 characters on one line.
	if n > 1000 || n >= len(rest) || rest[n] != ':' || (n+1 < len(rest) && rest[n+1] != ' ') {
		return nil, false
	}
	p.off += n + 1
	return node, true
}

// value reads the value after a key's colon (or a sequence entry's dash) at the cursor: on
// the rest of the line, or on the lines below. indent is the column of the collection the
// value belongs to; a key's value may also be a sequence at that same column.
func (p *blockParser) value(indent int, afterKey bool) (*yaml.Node, bool) {
	if !isCommentOrBlank(p.rest()) {
		p.skipSpaces()
		return p.inline(indent)
	}
	// yaml.v3 places an empty value just after its colon or dash.
	line, column := p.line+1, p.column(p.off)
	if !p.nextLine() {
		return p.node(yaml.ScalarNode, "!!null", line, column), true
	}
	l := p.lines[p.line]
	switch {
	case l.indent > indent && l.isSequenceEntry():
		return p.sequence(l.indent)
	case l.indent > indent:
		p.off = l.indent
		return p.mapping(l.indent)
	case l.indent == indent && l.isSequenceEntry() && afterKey:
		return p.sequence(l.indent)
	}
	return p.node(yaml.ScalarNode, "!!null", line, column), true
}

// inline reads a scalar or a one-line flow collection that starts at the cursor and is the
// last thing on its line, and moves to the next line with content.
func (p *blockParser) inline(indent int) (*yaml.Node, bool) {
	rest := p.rest()
	node := p.nodeAtCursor(yaml.ScalarNode, "")
	var tail []byte
	switch rest[0] {
	case '"', '\'':
		size, ok := readQuoted(node, rest)
		if !ok {
			return nil, false
		}
		tail = rest[size:]
	case '|':
		return p.literal(indent, node)
	case '{', '[':
		var ok bool
		if node, ok = p.flowCollection(0); !ok {
			return nil, false
		}
		tail = p.rest()
	default:
		if !plainStart(rest) {
			return nil, false
		}
		end := len(rest)
		for i := 1; i < len(rest); i++ {
			if rest[i] == '#' && rest[i-1] == ' ' {
				end = i
				break
			}
			if rest[i] == ':' && (i+1 == len(rest) || rest[i+1] == ' ') {
				return nil, false
			}
		}
		node.Value = strings.TrimRight(string(rest[:end]), " ")
		if node.Value == "---" || node.Value == "..." || strings.HasPrefix(node.Value, "--- ") || strings.HasPrefix(node.Value, "... ") {
			return nil, false
		}
	}
	if len(tail) > 0 && (tail[0] != ' ' || !isCommentOrBlank(tail)) {
		return nil, false
	}
	p.nextLine()
	return node, true
}

// plainStart reports whether a plain scalar may start the text: not with an indicator, and
// with a dash only when something other than a space follows it.
func plainStart(text []byte) bool {
	switch text[0] {
	case '-':
		return len(text) > 1 && text[1] != ' '
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	}
	return true
}

// readQuoted reads the quoted scalar that starts text into node and returns its length in
// the text.
func readQuoted(node *yaml.Node, text []byte) (int, bool) {
	value, size, ok := quoted(text)
	if !ok {
		return 0, false
	}
	node.Value, node.Tag, node.Style = value, "!!str", yaml.SingleQuotedStyle
	if text[0] == '"' {
		node.Style = yaml.DoubleQuotedStyle
	}
	return size, true
}

// quoted reads a quoted scalar that closes on its line: its value and its length in the
// text. It reports false for escapes other than the common ones.
func quoted(text []byte) (string, int, bool) {
	quote := text[0]
	var b strings.Builder
	for i := 1; i < len(text); i++ {
		c := text[i]
		switch {
		case quote == '\'' && c == '\'':
			if i+1 < len(text) && text[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, true
		case quote == '"' && c == '"':
			return b.String(), i + 1, true
		case quote == '"' && c == '\\':
			if i+1 >= len(text) {
				return "", 0, false
			}
			i++
			switch text[i] {
			case '\\', '"':
				b.WriteByte(text[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				if i+4 >= len(text) {
					return "", 0, false
				}
				r, err := strconv.ParseUint(string(text[i+1:i+5]), 16, 32)
				if err != nil || (r >= 0xd800 && r < 0xe000) {
					return "", 0, false
				}
				b.WriteRune(rune(r))
				i += 4
			default:
				return "", 0, false
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// literal reads a literal block scalar (| or |-) whose header is at the cursor; its lines
// are indented past indent.
func (p *blockParser) literal(indent int, node *yaml.Node) (*yaml.Node, bool) {
	header := p.rest()
	strip := len(header) > 1 && header[1] == '-'
	after := header[1:]
	if strip {
		after = header[2:]
	}
	if len(after) > 0 && (after[0] != ' ' || !isCommentOrBlank(after)) {
		return nil, false
	}
	node.Tag, node.Style = "!!str", yaml.LiteralStyle
	first := p.line + 1
	for first < len(p.lines) && len(p.lines[first].text) == 0 {
		first++
	}
	if first == len(p.lines) || p.lines[first].indent <= indent || p.lines[first].indent == len(p.lines[first].text) {
		return nil, false
	}
	contentIndent := p.lines[first].indent
	var b strings.Builder
	// Empty lines are held until a line with content follows them: a literal scalar's
	// trailing empty lines are not part of it (| keeps one line break, |- none).
	emptyLines, end := 0, p.line
	for i := p.line + 1; i < len(p.lines); i++ {
		l := p.lines[i]
		if len(l.text) == 0 {
			emptyLines++
			continue
		}
		if l.indent == len(l.text) {
			// A line of spaces alone is read in ways that depend on its length.
			return nil, false
		}
		if l.indent < contentIndent {
			break
		}
		if end > p.line {
			b.WriteByte('\n')
		}
		for ; emptyLines > 0; emptyLines-- {
			b.WriteByte('\n')
		}
		b.Write(l.text[contentIndent:])
		end = i
	}
	if !strip {
		b.WriteByte('\n')
	}
	node.Value = b.String()
	if !utf8.ValidString(node.Value) {
		return nil, false
	}
	p.line = end
	p.nextLine()
	return node, true
}

// isMarker reports whether a line starts with a document marker of c ("---" or "...").
func isMarker(line []byte, c byte) bool {
	if len(line) < 3 || line[0] != c || line[1] != c || line[2] != c {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\n' || line[3] == '\r'
}
