package policies

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// TestTheInputIsWhatDocsInputSays: the input the engine builds has exactly the fields of
// library.InputFields (which podpolicy lint holds rules to), docs/input.md has a section for
// each and no other, and its example is the input the engine builds for its manifest.
func TestTheInputIsWhatDocsInputSays(t *testing.T) {
	doc, err := os.ReadFile("../" + library.InputDoc)
	if err != nil {
		t.Fatal(err)
	}
	manifest, wantInput := codeBlock(t, doc, "yaml"), codeBlock(t, doc, "json")
	data, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := normalize.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := normalize.NewInputs(obj, "CREATE", kinds.BuiltinTable())
	if err != nil {
		t.Fatal(err)
	}
	inputs[0].Namespace = "shop"
	value := inputValue(inputs[0])
	var keys []string
	for _, k := range value.(ast.Object).Keys() {
		keys = append(keys, string(k.Value.(ast.String)))
	}
	if want := slices.Sorted(slices.Values(library.InputFields)); !slices.Equal(slices.Sorted(slices.Values(keys)), want) {
		t.Errorf("the engine's input has the fields %v; library.InputFields (and docs/input.md) say %v", keys, want)
	}
	got, err := ast.JSON(value)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal([]byte(wantInput), &want); err != nil {
		t.Fatal(err)
	}
	if gotJSON, _ := json.Marshal(got); !reflect.DeepEqual(roundTrip(t, gotJSON), want) {
		t.Errorf("docs/input.md's example input is not the engine's:\n%s", gotJSON)
	}
	sections := regexp.MustCompile("(?m)^## `input\\.([A-Za-z]+)`$").FindAllStringSubmatch(string(doc), -1)
	var documented []string
	for _, s := range sections {
		documented = append(documented, s[1])
	}
	if !slices.Equal(documented, library.InputFields) {
		t.Errorf("docs/input.md has sections for %v, want one for each field, in order: %v", documented, library.InputFields)
	}
}

// codeBlock returns the first fenced block of a language in a Markdown document.
func codeBlock(t *testing.T, doc []byte, language string) string {
	t.Helper()
	start := strings.Index(string(doc), "```"+language+"\n")
	if start < 0 {
		t.Fatalf("no %s block", language)
	}
	rest := string(doc)[start+len(language)+4:]
	return rest[:strings.Index(rest, "```")]
}

func roundTrip(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
