// Package astjson decodes JSON straight into OPA's ast values, with no intermediate Go maps:
// an admission request's object is read once into the form the policies evaluate.
//
// It accepts exactly the JSON that encoding/json (with UseNumber) followed by
// ast.InterfaceToValue accepts, and yields the same values: numbers keep their literal text
// (no float64 round trip), so integers beyond 2^53 stay exact, and numbers beyond OPA's range
// are refused.
package astjson

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// MaxDepth bounds the nesting of arrays and objects, as encoding/json does.
const MaxDepth = 10000

// SyntaxError is malformed JSON, with the byte offset where it was found.
type SyntaxError struct {
	Offset int
	msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.msg)
}

// Decode returns the ast value of one JSON document.
func Decode(data []byte) (ast.Value, error) {
	return decode(decoder{data: data})
}

// DecodeWithoutNullFields is Decode, leaving out the object members whose value is null (as
// a Kubernetes object's typed view has no such fields); nulls in arrays stay.
func DecodeWithoutNullFields(data []byte) (ast.Value, error) {
	return DecodeWith(data, Options{DropNullFields: true})
}

// Options adjust what a decode keeps.
type Options struct {
	// DropNullFields leaves out the object members whose value is null.
	DropNullFields bool
	// SkipFields names object members, at any depth, whose values are checked for syntax but
	// not built: parts of a document nothing will read, such as metadata.managedFields.
	SkipFields []string
}

// DecodeWith is Decode with options.
func DecodeWith(data []byte, opts Options) (ast.Value, error) {
	return decode(decoder{data: data, dropNulls: opts.DropNullFields, skip: opts.SkipFields})
}

func decode(d decoder) (ast.Value, error) {
	// One copy of the document holds the text of all its strings, which are slices of it.
	d.text = string(d.data)
	d.skipSpace()
	t, err := d.value()
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, d.errorf("unexpected %s after the top-level value", d.quoteChar())
	}
	return t.Value, nil
}

type decoder struct {
	data      []byte
	text      string
	pos       int
	depth     int
	dropNulls bool
	skip      []string
	// discarding is above zero while the decoder reads a skipped value: it checks the syntax
	// and builds nothing.
	discarding int
	terms      Terms
	// members and elements are scratch stacks shared by every level of nesting: the items
	// of the object or array being read are on top until it is built, so a container costs
	// no slice of its own while it is read.
	members  [][2]*ast.Term
	elements []*ast.Term
	// each, when set, is handed the text of each element of the top-level object's member
	// named streamed, which is not kept (EachElement).
	each     func([]byte) error
	streamed string
}

func (d *decoder) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: d.pos, msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) quoteChar() string {
	if d.pos >= len(d.data) {
		return "end of input"
	}
	return strconv.QuoteRune(rune(d.data[d.pos]))
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value() (*ast.Term, error) {
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end of input, want a value")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		if d.discarding > 0 {
			return discarded, d.skipString()
		}
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		return d.terms.String(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return d.literal("true", ast.InternedTerm(true))
	case c == 'f':
		return d.literal("false", ast.InternedTerm(false))
	case c == 'n':
		return d.literal("null", ast.InternedNullTerm)
	default:
		return nil, d.errorf("unexpected %s, want a value", d.quoteChar())
	}
}

func (d *decoder) literal(word string, t *ast.Term) (*ast.Term, error) {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return nil, d.errorf("unexpected %s, want %s", d.quoteChar(), word)
	}
	d.pos += len(word)
	return t, nil
}

// discarded stands for every value read while discarding; nothing keeps it.
var discarded = ast.InternedNullTerm

func (d *decoder) object() (*ast.Term, error) {
	m := members{base: len(d.members)}
	err := d.container('}', "an object", func() error {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.errorf("unexpected %s, want a string key", d.quoteChar())
		}
		return d.member(&m)
	})
	if err != nil {
		return nil, err
	}
	items := d.members[m.base:]
	d.members = d.members[:m.base]
	if d.discarding > 0 {
		return discarded, nil
	}
	// ast.NewObject copies the items, so the scratch space is free again once it returns.
	return d.terms.New(newObject(items, m.duplicates, d.dropNulls)), nil
}

// container reads the elements of an array or object, whose opening bracket is at d.pos,
// with element, up to and including the closing bracket.
func (d *decoder) container(closing byte, what string, element func() error) error {
	if d.depth++; d.depth > MaxDepth {
		return d.errorf("nesting deeper than %d", MaxDepth)
	}
	d.pos++
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == closing {
		d.pos++
		d.depth--
		return nil
	}
	for {
		if err := element(); err != nil {
			return err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return d.errorf("unexpected end of input in %s", what)
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case closing:
			d.pos++
			d.depth--
			return nil
		default:
			return d.errorf("unexpected %s in %s, want ',' or '%c'", d.quoteChar(), what, closing)
		}
	}
}

// members is the state of an object being decoded; its items are d.members[base:].
type members struct {
	base       int
	duplicates bool
	// seen indexes the keys once an object has many, so that repeats are found in linear
	// time however many members a request sends.
	seen map[string]struct{}
}

// indexFrom is how many members an object has before its keys are indexed: a few string
// comparisons cost less than a map.
const indexFrom = 16

// addMember appends a member to the object being read, noting whether its key repeats an
// earlier one.
func (d *decoder) addMember(m *members, key, value *ast.Term) {
	items := d.members[m.base:]
	name := string(key.Value.(ast.String))
	if len(items) >= indexFrom && m.seen == nil {
		m.seen = make(map[string]struct{}, 2*indexFrom)
		for _, item := range items {
			m.seen[string(item[0].Value.(ast.String))] = struct{}{}
		}
	}
	if m.seen != nil {
		if _, dup := m.seen[name]; dup {
			m.duplicates = true
		}
		m.seen[name] = struct{}{}
	} else {
		for _, item := range items {
			if item[0] == key || string(item[0].Value.(ast.String)) == name {
				m.duplicates = true
			}
		}
	}
	d.members = append(d.members, [2]*ast.Term{key, value})
}

// skipped tells whether a member is one of the fields the options leave out.
func (d *decoder) skipped(key *ast.Term) bool {
	for _, name := range d.skip {
		if string(key.Value.(ast.String)) == name {
			return true
		}
	}
	return false
}

// member reads one "key": value member. A member named in d.skip, and every member while
// discarding, is read for its syntax and left out.
func (d *decoder) member(m *members) error {
	if d.discarding > 0 {
		if err := d.skipString(); err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		_, err := d.value()
		return err
	}
	key, err := d.key()
	if err != nil {
		return err
	}
	if err := d.colon(); err != nil {
		return err
	}
	if d.skipped(key) {
		d.discarding++
		_, err := d.value()
		d.discarding--
		return err
	}
	if d.each != nil && d.depth == 1 && string(key.Value.(ast.String)) == d.streamed {
		return d.streamElements(d.each)
	}
	value, err := d.value()
	if err != nil {
		return err
	}
	// ast.NewObject assumes distinct keys; JSON allows repeats, and the last one wins.
	d.addMember(m, key, value)
	return nil
}

// colon reads the ':' between a key and its value.
func (d *decoder) colon() error {
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return d.errorf("unexpected %s after an object key, want ':'", d.quoteChar())
	}
	d.pos++
	d.skipSpace()
	return nil
}

// newObject builds an object; with repeated keys, later values replace earlier ones.
func newObject(items [][2]*ast.Term, duplicates, dropNulls bool) ast.Object {
	if duplicates {
		obj := ast.NewObjectWithCapacity(len(items))
		for _, item := range items {
			obj.Insert(item[0], item[1])
		}
		if !dropNulls {
			return obj
		}
		items = items[:0]
		obj.Foreach(func(k, v *ast.Term) { items = append(items, [2]*ast.Term{k, v}) })
	}
	if dropNulls {
		kept := items[:0]
		for _, item := range items {
			if _, isNull := item[1].Value.(ast.Null); !isNull {
				kept = append(kept, item)
			}
		}
		items = kept
	}
	return ast.NewObject(items...)
}

func (d *decoder) array() (*ast.Term, error) {
	base := len(d.elements)
	err := d.container(']', "an array", func() error {
		value, err := d.value()
		if err == nil && d.discarding == 0 {
			d.elements = append(d.elements, value)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if d.discarding > 0 {
		return discarded, nil
	}
	// ast.NewArray keeps the slice it gets: the array gets its own, of its exact length.
	var elems []*ast.Term
	if n := len(d.elements) - base; n > 0 {
		elems = make([]*ast.Term, n)
		copy(elems, d.elements[base:])
	}
	d.elements = d.elements[:base]
	return d.terms.New(ast.NewArray(elems...)), nil
}

// number reads a number with JSON's grammar and keeps its text.
func (d *decoder) number() (*ast.Term, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case d.pos < len(d.data) && d.data[d.pos] >= '1' && d.data[d.pos] <= '9':
		d.digits()
	default:
		return nil, d.errorf("unexpected %s in a number, want a digit", d.quoteChar())
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if !d.digits() {
			return nil, d.errorf("unexpected %s after a decimal point, want a digit", d.quoteChar())
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if !d.digits() {
			return nil, d.errorf("unexpected %s in an exponent, want a digit", d.quoteChar())
		}
	}
	if d.discarding > 0 && !bytes.ContainsAny(d.data[start:d.pos], "eE") {
		return discarded, nil
	}
	t, err := d.terms.Number(d.text[start:d.pos])
	if err != nil {
		d.pos = start
		return nil, d.errorf("%v", err)
	}
	return t, nil
}

func (d *decoder) digits() bool {
	start := d.pos
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos > start
}

// key reads a quoted object key as a term, shared for the field names of Kubernetes objects.
func (d *decoder) key() (*ast.Term, error) {
	start := d.pos + 1
	for i := start; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			d.pos = i + 1
			return Key(d.text[start:i]), nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	s, err := d.string()
	if err != nil {
		return nil, err
	}
	return ast.InternedTerm(s), nil
}

// string reads a quoted string. Like encoding/json, it replaces invalid UTF-8 and unpaired
// surrogates by U+FFFD and refuses control characters.
func (d *decoder) string() (string, error) {
	d.pos++ // the opening quote
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := d.text[start:d.pos]
			d.pos++
			return s, nil
		case c == '\\' || c >= utf8.RuneSelf:
			return d.slowString(start)
		case c < 0x20:
			return "", d.errorf("control character %s in a string", strconv.QuoteRune(rune(c)))
		}
		d.pos++
	}
	return "", d.errorf("unexpected end of input in a string")
}

func (d *decoder) slowString(start int) (string, error) {
	out := make([]byte, 0, d.pos-start+16)
	out = append(out, d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(out), nil
		case c < 0x20:
			return "", d.errorf("control character %s in a string", strconv.QuoteRune(rune(c)))
		case c == '\\':
			r, err := d.escape()
			if err != nil {
				return "", err
			}
			out = utf8.AppendRune(out, r)
		case c < utf8.RuneSelf:
			out = append(out, c)
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d.data[d.pos:d.pos+size]...)
			}
			d.pos += size
		}
	}
	return "", d.errorf("unexpected end of input in a string")
}

// skipString reads a quoted string without building it, with the same checks as string.
func (d *decoder) skipString() error {
	d.pos++ // the opening quote
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; {
		case c == '"':
			d.pos++
			return nil
		case c == '\\':
			if _, err := d.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return d.errorf("control character %s in a string", strconv.QuoteRune(rune(c)))
		default:
			d.pos++
		}
	}
	return d.errorf("unexpected end of input in a string")
}

// escape reads one backslash escape and returns the rune it stands for.
func (d *decoder) escape() (rune, error) {
	if d.pos+1 >= len(d.data) {
		return 0, d.errorf("unexpected end of input in an escape")
	}
	d.pos += 2
	switch d.data[d.pos-1] {
	case '"':
		return '"', nil
	case '\\':
		return '\\', nil
	case '/':
		return '/', nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := d.hex4()
		if err != nil {
			return 0, err
		}
		if !utf16.IsSurrogate(r) {
			return r, nil
		}
		// A surrogate must be followed by its pair, or it stands for U+FFFD alone.
		if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
			save := d.pos
			d.pos += 2
			low, err := d.hex4()
			if err != nil {
				return 0, err
			}
			if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
				return pair, nil
			}
			d.pos = save
		}
		return utf8.RuneError, nil
	default:
		d.pos--
		return 0, d.errorf("invalid escape %s", d.quoteChar())
	}
}

func (d *decoder) hex4() (rune, error) {
	if len(d.data)-d.pos < 4 {
		return 0, d.errorf("unexpected end of input in a \\u escape")
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, d.errorf("invalid hex digit %s in a \\u escape", strconv.QuoteRune(rune(c)))
		}
	}
	d.pos += 4
	return r, nil
}

// TypeName names the JSON type of a value for error messages: "an object", "a list",
// "a string", "a boolean", "null" or "a number".
func TypeName(v ast.Value) string {
	switch v.(type) {
	case ast.Object:
		return "an object"
	case *ast.Array:
		return "a list"
	case ast.String:
		return "a string"
	case ast.Boolean:
		return "a boolean"
	case ast.Null, nil:
		return "null"
	default:
		return "a number"
	}
}
