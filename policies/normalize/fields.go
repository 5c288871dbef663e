package normalize

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// FieldError is a field of the object that does not have the shape the API requires.
type FieldError struct {
	// Path is the field path in the object, e.g. spec.containers[0].ports.
	Path   string
	Detail string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Detail }

func fieldError(path, format string, args ...any) error {
	return &FieldError{Path: path, Detail: fmt.Sprintf(format, args...)}
}

// Value returns obj[key]; nil when obj is nil or has no such key.
func Value(obj ast.Object, key string) ast.Value {
	if obj == nil {
		return nil
	}
	if t := obj.Get(astjson.Key(key)); t != nil {
		return t.Value
	}
	return nil
}

// Reader reads typed fields of objects and keeps the first type error, naming the field's
// path. A missing field reads as the zero value.
type Reader struct {
	// Err is the first field of the wrong type, as a *FieldError.
	Err error
}

func (r *Reader) wrongType(v ast.Value, key, parent, want string) {
	if r.Err == nil {
		r.Err = fieldError(joinField(parent, key), "expected %s, got %s", want, astjson.TypeName(v))
	}
}

// String reads obj[key] as a string; parent names obj's path.
func (r *Reader) String(obj ast.Object, key, parent string) string {
	switch v := Value(obj, key).(type) {
	case nil:
		return ""
	case ast.String:
		return string(v)
	default:
		r.wrongType(v, key, parent, "a string")
		return ""
	}
}

// Object reads obj[key] as an object; nil when missing.
func (r *Reader) Object(obj ast.Object, key, parent string) ast.Object {
	switch v := Value(obj, key).(type) {
	case nil:
		return nil
	case ast.Object:
		return v
	default:
		r.wrongType(v, key, parent, "an object")
		return nil
	}
}

// Bool reads obj[key] as a boolean; nil when missing.
func (r *Reader) Bool(obj ast.Object, key, parent string) *bool {
	switch v := Value(obj, key).(type) {
	case nil:
		return nil
	case ast.Boolean:
		b := bool(v)
		return &b
	default:
		r.wrongType(v, key, parent, "a boolean")
		return nil
	}
}

// mapField returns obj[key] as an object, creating an empty one when it is missing.
func mapField(obj ast.Object, key, path string) (ast.Object, error) {
	switch v := Value(obj, key).(type) {
	case ast.Object:
		return v, nil
	case nil:
		created := ast.NewObject()
		obj.Insert(astjson.Key(key), ast.NewTerm(created))
		return created, nil
	default:
		return nil, fieldError(path, "expected an object, got %s", astjson.TypeName(v))
	}
}

// joinField joins a parent path and a field name.
func joinField(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}
