package manifest

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// NodeObjects reads the objects kubectl would make of a YAML node held in a larger file (the
// object of one of podpolicy test's cases): converted as kubectl converts a document, each
// placed in file at its own lines, every problem as an *InputError at its line.
func NodeObjects(file string, node *yaml.Node) ([]Document, []error) {
	raw, err := toJSON(node)
	if err != nil {
		line := node.Line
		if le, ok := errors.AsType[*lineError](err); ok {
			line, err = le.line, errors.New(le.msg)
		}
		return nil, []error{&InputError{File: file, Line: line, Err: err}}
	}
	var c collector
	yieldObjects(file, fmt.Sprintf("%s:%d", file, node.Line), node.Line, raw, node, c.add)
	return c.docs, c.errs
}

// YAMLError places an error of yaml.v3 parsing a whole file (such as a cases file) at the line
// it names, as an *InputError.
func YAMLError(file string, err error) error {
	line, msg := yamlErrorLine(err)
	return &InputError{File: file, Line: max(line, 1), Err: errors.New(msg)}
}
