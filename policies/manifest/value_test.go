package manifest

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/normalize"
)

// TestObjectOfIsDecodeOfJSON holds the objects the block-YAML reader builds directly to the
// path they replace, normalize.Decode of the JSON toJSON writes, over the examples and the
// check, workload and parity-corpus manifests of the repository: each one built is that path's object, and
// most are built (the path is taken). The random streams of TestRandomStreamsSendWhatKubectlSends
// and FuzzStreamIsKubectls hold it to kubectl through judged.
func TestObjectOfIsDecodeOfJSON(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../../examples/*.yaml", "../check/testdata/*.yaml", "../check/testdata/workloads/*.yaml", "../../test/e2e/parity/testdata/corpus/*.yaml"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	built, decoded := 0, 0
	for _, file := range files {
		EachParallel([]string{file}, nil, 2, func(d *Document, err error) bool {
			if err != nil {
				return true
			}
			if d.Object == nil {
				decoded++
				return true
			}
			built++
			raw, err := d.KubectlJSON()
			if err != nil {
				t.Fatalf("%s: the JSON of a built object: %v", d.Source, err)
			}
			want, err := normalize.Decode(raw)
			if err != nil {
				t.Fatalf("%s: built %v, but its JSON does not decode: %v", d.Source, d.Object, err)
			}
			if ast.Compare(want, d.Object) != 0 {
				t.Errorf("%s: built\n%v\nwant normalize.Decode of its JSON\n%v", d.Source, d.Object, want)
			}
			return true
		})
	}
	t.Logf("%d objects built, %d decoded from JSON, from %d files", built, decoded, len(files))
	if built < 2*decoded || built < 20 {
		t.Errorf("%d objects built and %d decoded from JSON: the block-YAML reader should build most", built, decoded)
	}
}

// TestObjectOfLeavesTheUnusualToJSON: what objectOf would have to handle as toJSON and
// normalize.Decode do is left to them, with the same outcome as before.
func TestObjectOfLeavesTheUnusualToJSON(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		// kubectlVaries: kubectl keeps one of the two values by Go's map order, so no JSON is
		// compared (compareWithKubectl leaves such streams out too).
		kubectlVaries bool
	}{
		{"merge key", "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\nspec:\n  <<: {hostPID: true}\n", false},
		{"managedFields", "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\n  managedFields:\n  - manager: kubectl\nspec: {}\n", false},
		{"repeated key", "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\nspec:\n  hostPID: true\n  hostPID: false\n", false},
		{"keys one in JSON", "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\n  labels:\n    1: a\n    \"1\": b\n", true},
		{"a key repeated after many", "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\n  labels:\n" + manyLabels(20) + "    label-3: again\n", false},
		{"not a JSON number", "kind: Pod\napiVersion: v1\nmetadata:\n  name: a\nspec:\n  priority: .nan\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var docs []*Document
			var errs []error
			EachParallel([]string{Stdin}, strings.NewReader(tc.doc), 2, func(d *Document, err error) bool {
				if err != nil {
					errs = append(errs, err)
				} else {
					docs = append(docs, d)
				}
				return true
			})
			for _, d := range docs {
				if d.Object != nil {
					t.Fatalf("built %v; want it left to toJSON and normalize.Decode", d.Object)
				}
			}
			refDocs, refErrs := Read([]string{Stdin}, bytes.NewReader([]byte(tc.doc)))
			if len(docs) != len(refDocs) || len(errs) != len(refErrs) {
				t.Fatalf("%d objects and %d errors, want %d and %d as the reference reader gives", len(docs), len(errs), len(refDocs), len(refErrs))
			}
			for i := range docs {
				if tc.kubectlVaries {
					break
				}
				if got, want := semantic(docs[i].JSON), semantic(refDocs[i].JSON); ast.Compare(got, want) != 0 {
					t.Errorf("JSON %s, want %s", docs[i].JSON, refDocs[i].JSON)
				}
			}
		})
	}
}

// manyLabels is n block-style labels, label-0 to label-n-1, at a metadata's labels' indent.
func manyLabels(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "    label-%d: v\n", i)
	}
	return b.String()
}
