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
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

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
	// JSON is the object as kubectl would send it to the API server; empty when the block-YAML
	// reader built Object instead (KubectlJSON writes it then).
	JSON []byte
	// Object is the object as normalize.Decode decodes JSON, when the block-YAML reader built
	// it without writing the JSON; nil otherwise, and once judged (judging defaults fields in
	// place).
	Object ast.Object

	node *yaml.Node
	// nodes holds node's tree when the document alone does, for Release.
	nodes *nodeSlab
}

// Release gives the nodes the block-YAML reader parsed the document into back for the next
// document's parse, once the document has been judged: nothing may use the document after it.
// A document never released leaves them to the collector.
func (d *Document) Release() {
	if d.nodes == nil {
		return
	}
	nodes := d.nodes
	d.node, d.nodes = nil, nil
	nodes.release()
}

// KubectlJSON is the object as kubectl would send it to the API server: JSON, or the JSON
// written from the YAML of an object the block-YAML reader built directly.
func (d *Document) KubectlJSON() ([]byte, error) {
	if d.JSON != nil || d.node == nil {
		return d.JSON, nil
	}
	return toJSON(d.node)
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
func ReadStream(file string, r io.Reader) ([]Document, []error) {
	var c collector
	eachInStream(file, r, c.add)
	return c.docs, c.errs
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
