package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits on a document: a hostile manifest could nest without end, or expand aliases to
// billions of nodes ("billion laughs").
const (
	maxDepth = 1000
	maxNodes = 1_000_000
)

// toJSON writes a YAML node as the JSON kubectl would send for it (sigs.k8s.io/yaml): scalars
// resolved as YAML 1.1 (resolve.go), aliases and merge keys (<<) expanded, keys turned into
// strings. It reports keys JSON cannot hold, numbers it cannot represent, recursive aliases
// and documents past the size limits, with their line.
func toJSON(n *yaml.Node) ([]byte, error) { return toJSONSized(n, 0) }

// toJSONSized is toJSON writing into a buffer of size bytes to begin with: a document is about
// as long in JSON as in block YAML, so most are written without growing the buffer.
func toJSONSized(n *yaml.Node, size int) ([]byte, error) {
	e := &encoder{buf: make([]byte, 0, size), budget: maxNodes}
	if err := e.value(n, 0); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// lineError is a problem of a document at a line of its file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func lineErrorf(line int, format string, args ...any) error {
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

type encoder struct {
	buf    []byte
	budget int
	// keys are the names written so far in the mappings being written, innermost last.
	keys []string
}

func (e *encoder) value(n *yaml.Node, depth int) error {
	e.budget--
	if e.budget < 0 {
		return lineErrorf(n.Line, "the document expands to more than %d nodes", maxNodes)
	}
	if depth > maxDepth {
		return lineErrorf(n.Line, "the document nests deeper than %d levels", maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		return e.value(n.Alias, depth+1)
	case yaml.MappingNode:
		e.buf = append(e.buf, '{')
		first := true
		if err := e.members(n, depth, &first); err != nil {
			return err
		}
		e.buf = append(e.buf, '}')
		return nil
	case yaml.SequenceNode:
		e.buf = append(e.buf, '[')
		for i, item := range n.Content {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(item, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		return nil
	default:
		return e.scalar(n)
	}
}

// errRepeatedKey refuses a mapping in which two keys are one JSON key: kubectl's conversion
// keeps one of them (the last, or by Go's map order for keys of two YAML types), and its
// JSON has no repeated member, which decoders that check types (cli-runtime's metadata check)
// would otherwise read in order. The caller converts such a document with kubectl's own
// conversion instead.
var errRepeatedKey = errors.New("a key is repeated in a mapping")

// mappingKeys are the keys of one JSON object written so far, kept on a stack shared with the
// objects nested in it (names[start:] are its own), to find a repeated key; from indexFrom keys
// on they are indexed too, so that a hostile mapping costs linear time.
type mappingKeys struct {
	names *[]string
	start int
	index map[string]struct{}
}

// indexFrom is how many keys a mapping has before they are indexed: a few string comparisons
// cost less than a map.
const indexFrom = 16

func newMappingKeys(stack *[]string) mappingKeys {
	return mappingKeys{names: stack, start: len(*stack)}
}

// add records name; false when the object has it already.
func (m *mappingKeys) add(name string) bool {
	own := (*m.names)[m.start:]
	switch {
	case m.index != nil:
		if _, ok := m.index[name]; ok {
			return false
		}
		m.index[name] = struct{}{}
	case slices.Contains(own, name):
		return false
	case len(own)+1 >= indexFrom:
		m.index = make(map[string]struct{}, 2*indexFrom)
		for _, k := range own {
			m.index[k] = struct{}{}
		}
		m.index[name] = struct{}{}
	}
	*m.names = append(*m.names, name)
	return true
}

// close takes the object's keys off the stack.
func (m *mappingKeys) close() { *m.names = (*m.names)[:m.start] }

// members writes the members of a mapping. A merge key (<<) lays the members of the mapping,
// or mappings, it names over the ones before it, and the members after it over those, as
// go-yaml v2 does (JSON keeps the last member of a repeated key, as Kubernetes decoding does).
func (e *encoder) members(n *yaml.Node, depth int, first *bool) error {
	keys := newMappingKeys(&e.keys)
	defer keys.close()
	return e.membersInto(n, depth, first, &keys)
}

// membersInto writes the members of a mapping into the object whose keys are keys so far: its
// own, or the one a merge key lays it into.
func (e *encoder) membersInto(n *yaml.Node, depth int, first *bool, keys *mappingKeys) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if isMergeKey(key) {
			if err := e.merge(value, depth+1, first, keys); err != nil {
				return err
			}
			continue
		}
		name, err := keyString(key)
		if err != nil {
			return err
		}
		if !keys.add(name) {
			return errRepeatedKey
		}
		if !*first {
			e.buf = append(e.buf, ',')
		}
		*first = false
		e.buf = appendString(e.buf, name)
		e.buf = append(e.buf, ':')
		if err := e.value(value, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func isMergeKey(key *yaml.Node) bool {
	return key.Kind == yaml.ScalarNode && key.Value == "<<" && key.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0
}

// merge writes the members a merge key names: a mapping, or a list of mappings of which the
// first takes precedence.
func (e *encoder) merge(n *yaml.Node, depth int, first *bool, keys *mappingKeys) error {
	e.budget--
	if e.budget < 0 {
		return lineErrorf(n.Line, "the document expands to more than %d nodes", maxNodes)
	}
	if depth > maxDepth {
		return lineErrorf(n.Line, "the document nests deeper than %d levels", maxDepth)
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		return e.membersInto(n, depth, first, keys)
	case yaml.SequenceNode:
		for i := len(n.Content) - 1; i >= 0; i-- {
			item := n.Content[i]
			for item.Kind == yaml.AliasNode {
				item = item.Alias
			}
			if item.Kind != yaml.MappingNode {
				return lineErrorf(item.Line, "a merge key (<<) must name mappings")
			}
			if err := e.membersInto(item, depth+1, first, keys); err != nil {
				return err
			}
		}
		return nil
	}
	return lineErrorf(n.Line, "a merge key (<<) must name a mapping or a list of mappings")
}

// keyString turns a mapping key into the string sigs.k8s.io/yaml makes of it.
func keyString(key *yaml.Node) (string, error) {
	for key.Kind == yaml.AliasNode {
		key = key.Alias
	}
	if key.Kind != yaml.ScalarNode {
		return "", lineErrorf(key.Line, "a mapping key must be a string")
	}
	s := resolveScalar(key)
	switch s.kind {
	case scalarString:
		return s.str, nil
	case scalarBool:
		return strconv.FormatBool(s.b), nil
	case scalarInt:
		return strconv.FormatInt(s.i, 10), nil
	case scalarFloat:
		switch {
		case math.IsInf(s.f, 1):
			return ".inf", nil
		case math.IsInf(s.f, -1):
			return "-.inf", nil
		case math.IsNaN(s.f):
			return ".nan", nil
		}
		return strconv.FormatFloat(s.f, 'g', -1, 32), nil
	}
	return "", lineErrorf(key.Line, "the mapping key %q cannot be a JSON object key", key.Value)
}

func (e *encoder) scalar(n *yaml.Node) error {
	s := resolveScalar(n)
	switch s.kind {
	case scalarNull:
		e.buf = append(e.buf, "null"...)
	case scalarBool:
		e.buf = strconv.AppendBool(e.buf, s.b)
	case scalarInt, scalarUint, scalarFloat:
		buf, err := appendNumber(e.buf, n, s)
		if err != nil {
			return err
		}
		e.buf = buf
	default:
		e.buf = appendString(e.buf, s.str)
	}
	return nil
}

// appendNumber appends the JSON text kubectl sends for s, a number resolved from n; a float
// JSON cannot hold (an infinity, NaN) is an error at n's line.
func appendNumber(buf []byte, n *yaml.Node, s scalar) ([]byte, error) {
	switch s.kind {
	case scalarInt:
		return strconv.AppendInt(buf, s.i, 10), nil
	case scalarUint:
		return strconv.AppendUint(buf, s.u, 10), nil
	}
	if math.IsInf(s.f, 0) || math.IsNaN(s.f) {
		return nil, lineErrorf(n.Line, "%s is not a number JSON can hold", n.Value)
	}
	// encoding/json's form of a float, as kubectl sends it.
	text, err := json.Marshal(s.f)
	if err != nil {
		return nil, lineErrorf(n.Line, "%v", err)
	}
	return append(buf, text...), nil
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as encoding/json
// writes it.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
