package manifest

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the manifest reader: it must never panic, and every
// problem must come back as an *InputError naming the input.
func FuzzRead(f *testing.F) {
	for _, path := range []string{"../../examples/web-server-pod.yaml", "../../examples/deployment.yaml", "../check/testdata/mixed.yaml", "../check/testdata/list.json", "../check/testdata/broken.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{"", "---\n---\n", "- a\n", "a: &x [*x]\n", "{[a]: b}\n", "kind: List\nitems: [1, {kind: Pod}]\n", "\t\x00"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, errs := Read([]string{Stdin}, bytes.NewReader(data))
		for _, err := range errs {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != Stdin {
				t.Fatalf("error %v is not an InputError of stdin", err)
			}
		}
		for _, d := range docs {
			if (len(d.JSON) == 0 && d.Object == nil) || d.Source == "" {
				t.Fatalf("document without object or source: %+v", d)
			}
			_ = d.LineOf("spec.containers[0].image")
		}
	})
}
