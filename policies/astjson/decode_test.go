package astjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// reference decodes data the slow way this package replaces: encoding/json, then
// ast.InterfaceToValue (with json.Number, so numbers keep their text as here).
func reference(data []byte) (ast.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("data after the value")
	}
	if !json.Valid(data) {
		return nil, errors.New("invalid")
	}
	return ast.InterfaceToValue(x)
}

// without drops, at any depth, the object members that are null and, unless skip is empty,
// those named skip.
func without(v ast.Value, skip string) ast.Value {
	switch x := v.(type) {
	case ast.Object:
		var kept [][2]*ast.Term
		x.Foreach(func(k, v *ast.Term) {
			if _, isNull := v.Value.(ast.Null); !isNull && (skip == "" || !k.Equal(ast.StringTerm(skip))) {
				kept = append(kept, [2]*ast.Term{k, ast.NewTerm(without(v.Value, skip))})
			}
		})
		return ast.NewObject(kept...)
	case *ast.Array:
		elems := make([]*ast.Term, x.Len())
		for i := range x.Len() {
			elems[i] = ast.NewTerm(without(x.Elem(i).Value, skip))
		}
		return ast.NewArray(elems...)
	}
	return v
}

// agree fails unless Decode and the reference both fail or yield the same value, also without
// null fields, and without null fields and the members named managedFields.
func agree(t *testing.T, data []byte) {
	t.Helper()
	got, err := Decode(data)
	want, refErr := reference(data)
	switch {
	case (err == nil) != (refErr == nil):
		t.Fatalf("%q: Decode error %v, encoding/json error %v", data, err, refErr)
	case err == nil && ast.Compare(got, want) != 0:
		t.Fatalf("%q: Decode gives %v, encoding/json gives %v", data, got, want)
	}
	if err != nil {
		if _, skipErr := DecodeWith(data, Options{DropNullFields: true, SkipFields: []string{"managedFields"}}); skipErr == nil {
			t.Fatalf("%q: DecodeWith skipping managedFields accepts what Decode refuses (%v)", data, err)
		}
		return
	}
	withoutNulls, err := DecodeWithoutNullFields(data)
	if err != nil {
		t.Fatalf("%q: DecodeWithoutNullFields error %v after Decode succeeded", data, err)
	}
	if want := without(want, ""); ast.Compare(withoutNulls, want) != 0 {
		t.Fatalf("%q: DecodeWithoutNullFields gives %v, want %v", data, withoutNulls, want)
	}
	skipped, err := DecodeWith(data, Options{DropNullFields: true, SkipFields: []string{"managedFields"}})
	if err != nil {
		t.Fatalf("%q: DecodeWith skipping managedFields: error %v after Decode succeeded", data, err)
	}
	if want := without(want, "managedFields"); ast.Compare(skipped, want) != 0 {
		t.Fatalf("%q: DecodeWith skipping managedFields gives %v, want %v", data, skipped, want)
	}
}

var samples = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `12`, `-1.5e+10`, `1E3`, `123456789012345678901234567890`,
	`"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u4e16"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83d\u0041"`,
	`"\udc00"`, "\"caf\xc3\xa9\"", "\"bad \xff byte\"", `{"a":1,"a":2}`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"a":9}`,
	` { "a" : [ 1 , { "b" : null } ] } `, `{"containers":[{"name":"web","ports":[{"containerPort":8080}]}]}`,
	`{`, `}`, `[1,]`, `{"a":}`, `{"a" 1}`, `{1:2}`, `01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `"abc`, "\"a\x01b\"",
	`{"a":null,"b":[null,{"c":null}],"a":1}`, `{"a":1,"a":null}`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":null,"a":null}`,
	`{"metadata":{"name":"a","managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{"k:{\"name\":\"web\"}":{}}},"time":"2026-11-28T00:00:00Z","n":1.5e3}]}}`,
	`{"managedFields":1,"x":{"managedFields":null},"managedFields":[true,false,null,"\u00e9"]}`, `{"managedFields":[1,}`, `{"managedFields":"\q"}`,
	`{"managedFields":1E70000}`, "{\"managedFields\":\"a\x01\"}",
	`"\x"`, `"\u12"`, `"\uZZZZ"`, `[1] [2]`, `{"a":1}}`, ``, `   `, `"\ud83d\uZZZZ"`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
}

func TestDecodeAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range samples {
		agree(t, []byte(s))
	}
	examples, err := filepath.Glob("../testdata/golden/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range examples {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		agree(t, data)
	}
}

func TestSyntaxErrorNamesTheOffset(t *testing.T) {
	_, err := Decode([]byte(`{"a": [1, 2,, 3]}`))
	var syntax *SyntaxError
	if !errors.As(err, &syntax) || syntax.Offset != 12 || !strings.Contains(err.Error(), "offset 12") {
		t.Fatalf("error %v: want a SyntaxError at offset 12", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range samples {
		if len(s) < 1000 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data)
	})
}
