package manifest

import (
	"encoding/base64"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// kubectl and helm turn YAML into JSON with sigs.k8s.io/yaml, which reads YAML 1.1 as
// go-yaml v2 does: `yes`, `on` and `off` are booleans there, `0755` is an octal number,
// timestamps stay strings. yaml.v3 frames the documents and keeps their lines; every scalar
// is resolved again here as go-yaml v2 resolves it (resolve.go of go.yaml.in/yaml/v2), so
// that `podpolicy check` judges the object the API server will receive.

// scalarKind is what a YAML scalar resolves to.
type scalarKind int

const (
	scalarString scalarKind = iota
	scalarNull
	scalarBool
	scalarInt
	scalarUint
	scalarFloat
)

// scalar is a resolved YAML scalar.
type scalar struct {
	kind scalarKind
	str  string
	b    bool
	i    int64
	u    uint64
	f    float64
}

var yaml11Words = map[string]scalar{
	"y": {kind: scalarBool, b: true}, "Y": {kind: scalarBool, b: true}, "yes": {kind: scalarBool, b: true},
	"Yes": {kind: scalarBool, b: true}, "YES": {kind: scalarBool, b: true},
	"true": {kind: scalarBool, b: true}, "True": {kind: scalarBool, b: true}, "TRUE": {kind: scalarBool, b: true},
	"on": {kind: scalarBool, b: true}, "On": {kind: scalarBool, b: true}, "ON": {kind: scalarBool, b: true},
	"n": {kind: scalarBool}, "N": {kind: scalarBool}, "no": {kind: scalarBool}, "No": {kind: scalarBool}, "NO": {kind: scalarBool},
	"false": {kind: scalarBool}, "False": {kind: scalarBool}, "FALSE": {kind: scalarBool},
	"off": {kind: scalarBool}, "Off": {kind: scalarBool}, "OFF": {kind: scalarBool},
	"": {kind: scalarNull}, "~": {kind: scalarNull}, "null": {kind: scalarNull}, "Null": {kind: scalarNull}, "NULL": {kind: scalarNull},
	".nan": {kind: scalarFloat, f: math.NaN()}, ".NaN": {kind: scalarFloat, f: math.NaN()}, ".NAN": {kind: scalarFloat, f: math.NaN()},
	".inf": {kind: scalarFloat, f: math.Inf(1)}, ".Inf": {kind: scalarFloat, f: math.Inf(1)}, ".INF": {kind: scalarFloat, f: math.Inf(1)},
	"+.inf": {kind: scalarFloat, f: math.Inf(1)}, "+.Inf": {kind: scalarFloat, f: math.Inf(1)}, "+.INF": {kind: scalarFloat, f: math.Inf(1)},
	"-.inf": {kind: scalarFloat, f: math.Inf(-1)}, "-.Inf": {kind: scalarFloat, f: math.Inf(-1)}, "-.INF": {kind: scalarFloat, f: math.Inf(-1)},
}

var yaml11Float = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolveScalar resolves a scalar node as go-yaml v2 does when decoding into interface{}.
func resolveScalar(n *yaml.Node) scalar {
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	tag := ""
	if n.Style&yaml.TaggedStyle != 0 {
		tag = n.Tag
	}
	switch {
	case tag == "!!binary":
		if data, err := base64.StdEncoding.DecodeString(n.Value); err == nil {
			return scalar{str: string(data)}
		}
		return scalar{str: n.Value}
	case tag == "!!str", quoted && tag == "":
		return scalar{str: n.Value}
	case tag != "" && !resolvable(tag):
		return scalar{str: n.Value}
	}
	return resolvePlain(n.Value, tag)
}

func resolvable(tag string) bool {
	switch tag {
	case "!!bool", "!!int", "!!float", "!!null", "!!timestamp":
		return true
	}
	return false
}

// resolvePlain is go-yaml v2's resolve for an untagged scalar or one of the core tags.
func resolvePlain(in, tag string) scalar {
	if item, ok := yaml11Words[in]; ok {
		return item
	}
	if in == "" {
		return scalar{str: in}
	}
	switch c := in[0]; {
	case c == '.':
		if f, err := strconv.ParseFloat(in, 64); err == nil {
			return scalar{kind: scalarFloat, f: f}
		}
	case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		if (tag == "" || tag == "!!timestamp") && isTimestamp(in) {
			// go-yaml v2 keeps a timestamp decoded into interface{} as the string it is.
			return scalar{str: in}
		}
		return resolveNumber(in)
	}
	return scalar{str: in}
}

func resolveNumber(in string) scalar {
	if !numberBytes(in) {
		// A quantity (128Mi, 100m) or a version: each failed parse below would allocate its
		// error, 2 % of what check allocated.
		return scalar{str: in}
	}
	plain := strings.ReplaceAll(in, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return scalar{kind: scalarInt, i: i}
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return scalar{kind: scalarUint, u: u}
	}
	if yaml11Float.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return scalar{kind: scalarFloat, f: f}
		}
	}
	if digits, ok := strings.CutPrefix(plain, "0b"); ok {
		if i, err := strconv.ParseInt(digits, 2, 64); err == nil {
			return scalar{kind: scalarInt, i: i}
		}
		if u, err := strconv.ParseUint(digits, 2, 64); err == nil {
			return scalar{kind: scalarUint, u: u}
		}
	} else if digits, ok := strings.CutPrefix(plain, "-0b"); ok {
		if i, err := strconv.ParseInt("-"+digits, 2, 64); err == nil {
			return scalar{kind: scalarInt, i: i}
		}
	}
	return scalar{str: in}
}

// numberBytes reports whether s holds only bytes that the forms resolveNumber reads can hold:
// digits, signs, '.', '_', the prefixes 0x, 0o and 0b, hexadecimal digits and exponents.
func numberBytes(s string) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		case c == 'x', c == 'X', c == 'o', c == 'O', c == '_', c == '+', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// timestampFormats are the forms go-yaml v2 reads as a timestamp.
var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range timestampFormats {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}
