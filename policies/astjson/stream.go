package astjson

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// EachElement decodes data, a JSON object, with opts, except its member named field, an
// array: the text of each of its elements is checked for syntax and handed to each, and the
// member is not kept. Decoding each element on its own (Decode copies the text its strings
// are cut from) keeps a page of a list from the API server from being in memory whole as
// values, and what is kept of one element from holding the text of the page. It returns the
// object without that member; an error of each stops the decode and is returned as it is.
func EachElement(data []byte, opts Options, field string, each func(element []byte) error) (ast.Object, error) {
	value, err := decode(decoder{
		data: data, dropNulls: opts.DropNullFields, skip: opts.SkipFields,
		each: each, streamed: field,
	})
	if err != nil {
		return nil, err
	}
	obj, ok := value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("expected an object, got %s", TypeName(value))
	}
	return obj, nil
}

// streamElements reads the array at d.pos, handing the text of each element to each.
func (d *decoder) streamElements(each func([]byte) error) error {
	if d.pos >= len(d.data) || d.data[d.pos] != '[' {
		return d.errorf("unexpected %s, want an array", d.quoteChar())
	}
	return d.container(']', "an array", func() error {
		start := d.pos
		d.discarding++
		_, err := d.value()
		d.discarding--
		if err != nil {
			return err
		}
		return each(d.data[start:d.pos])
	})
}
