package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// jsonGuessSize is how far into a stream kubectl looks for the brace that makes it a JSON
// stream (cli-runtime's StreamVisitor reads with yaml.NewYAMLOrJSONDecoder(r, 4096)).
const jsonGuessSize = 4096

// eachInStream reads one stream as kubectl and helm read it, with Kubernetes' own code: a
// stream whose first non-space byte in its first 4 KiB is "{" is a JSON stream (values one
// after another, read with encoding/json, switching to YAML after at most one value as
// yaml.YAMLOrJSONDecoder does), any other is YAML, split into documents by
// yaml.YAMLReader and converted by sigs.k8s.io/yaml; then each document's objects are what
// cli-runtime's builder makes of it (kubectlObjects). It yields every object with its file
// and line, and every problem kubectl would refuse the stream for as an *InputError; unlike
// kubectl it goes on with the documents after a problem where the stream can still be split.
// It reports whether yield wants more.
func eachInStream(file string, r io.Reader, yield func(*Document, error) bool) bool {
	data, err := io.ReadAll(r)
	if err != nil {
		return yield(nil, &InputError{File: file, Err: err})
	}
	if yamlutil.IsJSONBuffer(data[:min(len(data), jsonGuessSize)]) {
		return eachJSONStream(file, data, yield)
	}
	return eachYAMLStream(file, data, 0, 0, yield)
}

// eachYAMLStream splits a YAML stream with Kubernetes' yaml.YAMLReader and yields the objects
// of each document; the stream starts lineOffset lines and firstIndex documents into the
// file. The splitter, which frames the same documents (FuzzFramingIsYAMLReaders), runs
// alongside to say on which line each starts.
func eachYAMLStream(file string, data []byte, lineOffset, firstIndex int, yield func(*Document, error) bool) bool {
	reader := yamlutil.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	lines := &splitter{r: bufio.NewReader(bytes.NewReader(data))}
	for index := firstIndex; ; {
		doc, err := reader.Read()
		_, start, _ := lines.next()
		start += lineOffset
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			// An invalid document separator: the document before it is dropped, as kubectl
			// drops it; the stream goes on after it.
			if !yield(nil, &InputError{File: file, Line: start, Err: err}) {
				return false
			}
			continue
		}
		if !yieldDocument(file, fmt.Sprintf("%s#%d", file, index), start, doc, yield) {
			return false
		}
		index++
	}
}

// yieldDocument converts one document's text (as YAMLReader yields it, starting on line start
// of file) as kubectl does, and yields its objects, or what kubectl refuses in it.
func yieldDocument(file, source string, start int, chunk []byte, yield func(*Document, error) bool) bool {
	root, parseErr := linesOf(chunk, start)
	var raw runtime.RawExtension
	if err := sigsyaml.Unmarshal(chunk, &raw); err != nil {
		ie := explainYAML(file, start, err, root, parseErr)
		if bytes.Contains(chunk, []byte("{{")) {
			ie.Err = fmt.Errorf("%w; this looks like a Helm template, which is not a manifest until it is rendered: run helm template on the chart and check its output (helm template CHART | podpolicy check -f -)", ie.Err)
		}
		return yield(nil, ie)
	}
	return yieldObjects(file, source, start, raw.Raw, root, yield)
}

// linesOf parses a document's text (starting on line start of its file) with yaml.v3 for the
// lines of its fields, when it can; the object is what kubectl's conversion made of it, never
// this tree.
func linesOf(chunk []byte, start int) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(chunk)).Decode(&doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	shiftLines(&doc, start-1)
	return doc.Content[0], nil
}

// explainYAML places the error of kubectl's conversion of a document, which refuses it, at the
// line where yaml.v3 finds the problem too (a syntax error, or what toJSON cannot write as
// JSON), which kubectl's conversion seldom names; else it is placed by kubectl's own message.
func explainYAML(file string, start int, convErr error, root *yaml.Node, parseErr error) *InputError {
	if parseErr != nil {
		if line, msg := yamlErrorLine(parseErr); line > 0 {
			return &InputError{File: file, Line: start + line - 1, Err: errors.New(msg)}
		}
	}
	if root != nil {
		if _, err := toJSON(root); err != nil {
			if le, ok := errors.AsType[*lineError](err); ok {
				return &InputError{File: file, Line: le.line, Err: errors.New(le.msg)}
			}
		}
	}
	line, msg := yamlErrorLine(convErr)
	return &InputError{File: file, Line: start + max(line, 1) - 1, Err: errors.New(msg)}
}

// yieldObjects yields the objects kubectl makes of one document's JSON (kubectlObjects),
// placed in the file through root, the document's YAML tree (nil when unknown: every object
// and problem is then placed at line).
func yieldObjects(file, source string, line int, raw []byte, root *yaml.Node, yield func(*Document, error) bool) bool {
	objects, errs := kubectlObjects(raw)
	if root != nil {
		line = root.Line
	}
	for _, o := range objects {
		node := itemNode(root, o.items)
		doc := Document{Source: source + itemsSuffix(o.items), File: file, Line: line, JSON: o.json, node: node}
		if node != nil {
			doc.Line = node.Line
		}
		if !yield(&doc, nil) {
			return false
		}
	}
	for _, e := range errs {
		at := line
		node := itemNode(root, e.items)
		if node != nil {
			at = node.Line
		}
		reason, path := refusal(e, raw, node)
		if path != "" && node != nil {
			at = (&Document{Line: at, node: node}).LineOf(path)
		}
		if len(e.items) > 0 {
			reason = strings.TrimPrefix(itemsSuffix(e.items), ".") + ": " + reason
		}
		if !yield(nil, &InputError{File: file, Line: at, Err: errors.New(reason)}) {
			return false
		}
	}
	return true
}

var metadataField = regexp.MustCompile(`Go struct field [\w.]*?\.(metadata(?:\.\w+)*) of type`)

// refusal says why kubectl refuses a document or an item, in the user's terms, and the path
// of the field at fault when it is known.
func refusal(e objectError, raw []byte, node *yaml.Node) (string, string) {
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(e.items) == 0 && len(trimmed) > 0 && trimmed[0] != '{':
		return "not a Kubernetes object (a mapping) but " + describeJSON(trimmed, node), ""
	case runtime.IsMissingKind(e.err):
		return "the object has no kind", ""
	}
	if m := metadataField.FindStringSubmatch(e.err.Error()); m != nil {
		return "kubectl refuses its metadata: " + e.err.Error(), m[1]
	}
	return e.err.Error(), ""
}

// describeJSON names what a JSON value other than an object is, by its YAML node when known.
func describeJSON(value []byte, node *yaml.Node) string {
	if node != nil && node.Kind == yaml.ScalarNode {
		return fmt.Sprintf("the scalar %q", node.Value)
	}
	if value[0] == '[' {
		return "a list"
	}
	return "the scalar " + string(value)
}

// itemsSuffix names an item of a list in its document: .items[1].items[0].
func itemsSuffix(items []int) string {
	var b []byte
	for _, i := range items {
		b = append(b, ".items["...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ']')
	}
	return string(b)
}

// itemNode finds an item of a list in the document's tree; nil when the tree does not hold it.
func itemNode(n *yaml.Node, items []int) *yaml.Node {
	for _, i := range items {
		list := child(n, "items")
		if list == nil || list.Kind != yaml.SequenceNode || i >= len(list.Content) {
			return nil
		}
		n = list.Content[i]
	}
	return n
}

var yamlErrorPrefix = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: (?:line (\d+): )?`)

// yamlErrorLine takes the line (within the document) out of sigs.k8s.io/yaml's error, and
// returns it with the message left: "invalid YAML: mapping values are not allowed here".
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	m := yamlErrorPrefix.FindStringSubmatch(msg)
	if m == nil {
		return 0, "invalid YAML: " + msg
	}
	line, _ := strconv.Atoi(m[1])
	return line, "invalid YAML: " + msg[len(m[0]):]
}

// eachJSONStream reads a JSON stream as yaml.YAMLOrJSONDecoder does: JSON values one after
// another; at a value that does not parse after at most one value the stream is YAML from
// the end of that value, after the white space up to the first line break, and after two or
// more it is an error that ends the stream.
func eachJSONStream(file string, data []byte, yield func(*Document, error) bool) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	for index := 0; ; index++ {
		var raw runtime.RawExtension
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return true
		}
		end := int(dec.InputOffset())
		if err == nil {
			start := end - len(raw.Raw)
			line := lineAt(data, start)
			root, _ := linesOf(data[start:end], line)
			if !yieldObjects(file, fmt.Sprintf("%s#%d", file, index), line, raw.Raw, root, yield) {
				return false
			}
			continue
		}
		jsonErr := &InputError{File: file, Line: lineAt(data, jsonErrorOffset(err, end)), Err: fmt.Errorf("invalid JSON: %w", err)}
		if index > 1 {
			return yield(nil, jsonErr)
		}
		rest, ok := skipToYAML(data[end:])
		if !ok {
			return yield(nil, jsonErr)
		}
		offset := len(data) - len(rest)
		return eachYAMLStream(file, rest, lineAt(data, offset)-1, index, yield)
	}
}

// jsonErrorOffset is where a JSON error is, as far as it says: a syntax error's offset, or
// the end of the last value.
func jsonErrorOffset(err error, end int) int {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return int(se.Offset)
	}
	return end
}

// skipToYAML skips what yaml.YAMLOrJSONDecoder skips before reading the rest of a stream as
// YAML: white space up to and including the first line break. Like it, it gives up (the JSON
// error stands) at an invalid or replacement rune and when fewer than four bytes are left.
func skipToYAML(rest []byte) ([]byte, bool) {
	for {
		if len(rest) < 4 {
			return nil, false
		}
		r, size := utf8.DecodeRune(rest[:4])
		if r == utf8.RuneError || size == 0 {
			return nil, false
		}
		if !unicode.IsSpace(r) {
			return rest, true
		}
		rest = rest[size:]
		if r == '\n' {
			return rest, true
		}
	}
}

// lineAt is the line of a byte offset of data.
func lineAt(data []byte, offset int) int {
	return 1 + bytes.Count(data[:min(offset, len(data))], []byte("\n"))
}
