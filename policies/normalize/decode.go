package normalize

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// IgnoredFields are object members, at any depth, that are not part of the policy input:
// metadata.managedFields records which client owns which field, not what should run, and is
// often the largest part of an admission request.
var IgnoredFields = []string{"managedFields"}

// DecodeOptions are how an object's JSON is decoded into the policy input: null fields (the
// API server's typed view of an object has none) and IgnoredFields left out.
var DecodeOptions = astjson.Options{DropNullFields: true, SkipFields: IgnoredFields}

// Decode decodes one JSON document with DecodeOptions; it must be an object.
func Decode(data []byte) (ast.Object, error) {
	value, err := astjson.DecodeWith(data, DecodeOptions)
	if err != nil {
		return nil, err
	}
	obj, ok := value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("expected an object, got %s", astjson.TypeName(value))
	}
	return obj, nil
}
