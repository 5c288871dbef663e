package manifest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// outline is everything a reader of documents sees: each document's source, file, line, JSON
// and the line of every node (what LineOf answers from), and each error, in order.
func outline(paths []string, data []byte, parallel bool) string {
	var b strings.Builder
	yield := func(d *Document, err error) bool {
		if err != nil {
			fmt.Fprintf(&b, "error %v\n", err)
			return true
		}
		fmt.Fprintf(&b, "doc %s %s:%d %s\n", d.Source, d.File, d.Line, d.JSON)
		var lines func(n *yaml.Node)
		lines = func(n *yaml.Node) {
			fmt.Fprintf(&b, "%d ", n.Line)
			for _, c := range n.Content {
				lines(c)
			}
		}
		lines(d.node)
		b.WriteString("\n")
		return true
	}
	if parallel {
		EachParallel(paths, bytes.NewReader(data), 3, yield)
	} else {
		Each(paths, bytes.NewReader(data), yield)
	}
	return b.String()
}

// streams whose framing is easy, and hard: leading comments, empty documents, a marker with
// content, document end markers, directives, CRLF and lone CR, a quoted scalar across a
// marker, syntax errors early and late, Lists, aliases.
var framingCases = []string{
	"",
	"# only a comment\n",
	"kind: Pod\nmetadata: {name: a}\n",
	"# c\n---\nkind: Pod\nmetadata: {name: a}\n---\n---\nkind: Pod\nmetadata: {name: b}\n---\n",
	"kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata:\n  name: b\n",
	"--- {kind: Pod, metadata: {name: a}}\n--- # x\nkind: Pod\n",
	"kind: Pod\n...\n---\nkind: Pod\nmetadata: {name: b}\n",
	"%YAML 1.1\n---\nkind: Pod\n",
	"kind: Pod\r\nmetadata:\r\n  name: a\r\n---\r\nkind: Pod\r\n",
	"kind: Pod\rmetadata: {name: a}\r---\rkind: Pod\n",
	"kind: Pod\nmetadata: {name: \"a\n---\nkind: Pod\n",
	"kind: Pod\n---\nkind: [\n---\nkind: Pod\n",
	"kind: Pod\n---\nkind: Pod\nspec: {a: b\n",
	"kind: List\nitems:\n- {kind: Pod, metadata: {name: a}}\n- 3\n---\nkind: Pod\n",
	"x: &a {kind: Pod}\nkind: Pod\ny: *a\n---\n- not an object\n---\nz: *b\n",
	"---\n",
	"\ufeffkind: Pod\n---\nkind: Pod\n",
	"kind: Pod\n---\x00\nkind: Pod\n",
	"kind: Pod\n----\nx: 1\n",
	"0\n---  \"",
	"kind: Pod\na: &x 1\n---\nkind: Pod\n---\nkind: Pod\nb: *x\n",
	"kind: Pod\n---\nkind: Pod\nb: *x\n",
}

func TestParallelReadIsTheSequentialRead(t *testing.T) {
	for i, data := range framingCases {
		want, got := outline([]string{Stdin}, []byte(data), false), outline([]string{Stdin}, []byte(data), true)
		if got != want {
			t.Errorf("case %d %q:\n--- parallel\n%s--- sequential\n%s", i, data, got, want)
		}
	}
	// The repository's manifests, and one large stream of them.
	var paths []string
	var all bytes.Buffer
	for _, dir := range []string{"../../examples", "../check/testdata", "testdata", "../../charts/podpolicy/ci"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
		json, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range append(files, json...) {
			paths = append(paths, f)
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, []byte("\n...")) {
				fmt.Fprintf(&all, "---\n%s\n", data)
			}
		}
	}
	if want, got := outline(paths, nil, false), outline(paths, nil, true); got != want {
		t.Errorf("the repository's manifests read in parallel differ:\n--- parallel\n%s--- sequential\n%s", got, want)
	}
	// A clean stream is framed to its end, and one with a syntax error read sequentially
	// from that document on.
	var clean bytes.Buffer
	for i := range 200 {
		fmt.Fprintf(&clean, "---\n# Source: chart/templates/pod-%d.yaml\nkind: Pod\nmetadata:\n  name: p%d\nspec:\n  containers: [{name: a, image: \"a:1\"}]\n", i, i)
	}
	before := fallbacks.Load()
	if want, got := outline([]string{Stdin}, clean.Bytes(), false), outline([]string{Stdin}, clean.Bytes(), true); got != want {
		t.Errorf("a clean stream read in parallel differs")
	}
	if n := fallbacks.Load() - before; n != 0 {
		t.Errorf("a clean stream fell back to sequential reading %d times", n)
	}
	broken := append(bytes.Clone(clean.Bytes()), "---\nkind: [\n"...)
	broken = append(broken, clean.Bytes()...)
	if want, got := outline([]string{Stdin}, broken, false), outline([]string{Stdin}, broken, true); got != want {
		t.Errorf("a stream broken in its middle read in parallel differs")
	}
	if n := fallbacks.Load() - before; n != 1 {
		t.Errorf("a stream broken in its middle fell back %d times, want once", n)
	}
	big := bytes.Repeat(all.Bytes(), 20)
	if want, got := outline([]string{Stdin}, big, false), outline([]string{Stdin}, big, true); got != want {
		t.Errorf("a large stream read in parallel differs")
	}
}

func FuzzParallelReadIsTheSequentialRead(f *testing.F) {
	for _, c := range framingCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, got := outline([]string{Stdin}, data, false), outline([]string{Stdin}, data, true)
		if forbiddenChars(data) || !utf8.Valid(data) {
			// Where the parser stops on characters YAML forbids depends on its read buffer
			// (and a UTF-16 stream is all of them to framing): both readers must find the
			// stream invalid, or read the same.
			wantErr, gotErr := strings.Contains(want, "error -"), strings.Contains(got, "error -")
			if wantErr != gotErr || !wantErr && want != got {
				t.Fatalf("%q:\n--- parallel\n%s--- sequential\n%s", data, got, want)
			}
			return
		}
		if got != want {
			t.Fatalf("%q:\n--- parallel\n%s--- sequential\n%s", data, got, want)
		}
	})
}
