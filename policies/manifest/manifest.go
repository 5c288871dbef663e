// Package manifest reads Kubernetes manifests (multi-document YAML or JSON files, directories
// of them, or standard input) into objects, keeping each document's source and the lines of
// its fields so that findings can point at the file and line they concern.
package manifest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Stdin is the path that names standard input.
const Stdin = "-"

// Document is one object read from a manifest.
type Document struct {
	// Source names the document: file#index, or file#index.items[i] for an item of a List.
	Source string
	// File is the file the document came from ("-" for standard input).
	File string
	// Line is the line the object starts on.
	Line int
	// JSON is the object as kubectl would send it to the API server.
	JSON []byte

	node *yaml.Node
}

// InputError is a problem reading one input: the file (and line, when known) and what is wrong.
type InputError struct {
	File string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// manifestExtensions are the file endings read when walking a directory.
var manifestExtensions = []string{".yaml", ".yml", ".json"}

// Read reads every document of the given files and directories (walked recursively for
// .yaml, .yml and .json files, in lexical order); "-" reads stdin. A problem with one input is
// returned as an *InputError and does not stop the others.
func Read(paths []string, stdin io.Reader) ([]Document, []error) {
	var c collector
	Each(paths, stdin, c.add)
	return c.docs, c.errs
}

// collector gathers what a reader yields.
type collector struct {
	docs []Document
	errs []error
}

func (c *collector) add(doc *Document, err error) bool {
	if err != nil {
		c.errs = append(c.errs, err)
	} else {
		c.docs = append(c.docs, *doc)
	}
	return true
}

// Each reads the inputs as Read does, one document at a time: it calls yield with each
// document or input error, in input order, holding only the document being read, and stops
// when yield returns false.
func Each(paths []string, stdin io.Reader, yield func(*Document, error) bool) {
	eachInput(paths, stdin, func(file string, r io.Reader) bool {
		return eachInStream(file, bufio.NewReaderSize(r, 64<<10), yield)
	}, yield)
}

// eachInput opens the inputs in order and reads each stream with read, yielding the errors of
// inputs that cannot be opened; it stops when read or yield returns false.
func eachInput(paths []string, stdin io.Reader, read func(file string, r io.Reader) bool, yield func(*Document, error) bool) {
	for _, path := range paths {
		if path == Stdin {
			if !read(Stdin, stdin) {
				return
			}
			continue
		}
		files, err := expand(path)
		if err != nil {
			if !yield(nil, &InputError{File: path, Err: err}) {
				return
			}
			continue
		}
		for _, file := range files {
			f, err := os.Open(file)
			if err != nil {
				if !yield(nil, &InputError{File: file, Err: errors.Unwrap(err)}) {
					return
				}
				continue
			}
			more := read(file, f)
			_ = f.Close()
			if !more {
				return
			}
		}
	}
}

// expand lists the manifest files of a path: the file itself, or the manifests below a
// directory.
func expand(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("no such file or directory")
		}
		return nil, errors.Unwrap(err)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && slices.Contains(manifestExtensions, strings.ToLower(filepath.Ext(p))) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("directory holds no .yaml, .yml or .json file")
	}
	return files, nil
}

// ReadStream reads the documents of one stream, named file in sources and errors.
func ReadStream(file string, r io.Reader) ([]Document, []error) { return readStream(file, r) }

// readStream decodes the YAML (or JSON) documents of one file.
func readStream(file string, r io.Reader) ([]Document, []error) {
	var c collector
	eachInStream(file, r, c.add)
	return c.docs, c.errs
}

// eachInStream calls yield with each document (or error) of one file, and reports whether
// yield wants more. Decoding stops at a syntax error, since the rest of the stream cannot be
// framed reliably after it.
func eachInStream(file string, r io.Reader, yield func(*Document, error) bool) bool {
	return eachInStreamAt(file, r, 0, 0, yield)
}

// eachInStreamAt is eachInStream for the rest of a stream that starts lineOffset lines and
// firstIndex documents into the file.
func eachInStreamAt(file string, r io.Reader, lineOffset, firstIndex int, yield func(*Document, error) bool) bool {
	dec := yaml.NewDecoder(r)
	for index := firstIndex; ; index++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			err := syntaxError(file, err)
			if ie, ok := err.(*InputError); ok && ie.Line > 0 {
				ie.Line += lineOffset
			}
			return yield(nil, err)
		}
		shiftLines(&node, lineOffset)
		if len(node.Content) == 0 || isNull(node.Content[0]) {
			continue // an empty document, e.g. between two "---"
		}
		docs, errs := documents(file, fmt.Sprintf("%s#%d", file, index), node.Content[0])
		for i := range docs {
			if !yield(&docs[i], nil) {
				return false
			}
		}
		for _, err := range errs {
			if !yield(nil, err) {
				return false
			}
		}
	}
}

// documents turns one YAML document into objects: the object itself, or the items of a List.
func documents(file, source string, root *yaml.Node) ([]Document, []error) {
	if root.Kind != yaml.MappingNode {
		return nil, []error{&InputError{File: file, Line: root.Line, Err: fmt.Errorf("document %s is not a Kubernetes object (a mapping) but %s", source, describe(root))}}
	}
	kind := scalarValue(child(root, "kind"))
	if items := child(root, "items"); strings.HasSuffix(kind, "List") && items != nil && items.Kind == yaml.SequenceNode {
		var docs []Document
		var errs []error
		for i, item := range items.Content {
			d, e := documents(file, fmt.Sprintf("%s.items[%d]", source, i), item)
			docs, errs = append(docs, d...), append(errs, e...)
		}
		return docs, errs
	}
	data, err := toJSON(root)
	if err != nil {
		return nil, []error{&InputError{File: file, Line: root.Line, Err: fmt.Errorf("document %s: %w", source, err)}}
	}
	if kind == "" {
		return nil, []error{&InputError{File: file, Line: root.Line, Err: fmt.Errorf("document %s has no kind", source)}}
	}
	return []Document{{Source: source, File: file, Line: root.Line, JSON: data, node: root}}, nil
}

// scalarValue is the string a scalar node resolves to; "" for anything else.
func scalarValue(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	if s := resolveScalar(n); s.kind == scalarString {
		return s.str
	}
	return ""
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns "yaml: line 5: did not find expected key" into file:5: did not find ….
func syntaxError(file string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		var line int
		_, _ = fmt.Sscan(m[1], &line)
		return &InputError{File: file, Line: line, Err: errors.New("invalid YAML: " + m[2])}
	}
	return &InputError{File: file, Err: fmt.Errorf("invalid YAML: %w", err)}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	default:
		return "an alias"
	}
}

// child returns the value node of key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	_, value := member(n, key)
	return value
}

// member returns the key and value nodes of key in a mapping node, or nils.
func member(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
