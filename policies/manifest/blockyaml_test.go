package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
)

// blockYAMLRead are documents in the style helm template writes, which parseBlockYAML reads
// itself.
var blockYAMLRead = []string{
	"a: b\n",
	"---\na: b\n",
	"--- # first\n# comment\na: 1 # one\nb: '2'\nc: \"3\"\n",
	"a:\n  b:\n    c: d\n  e: f\ng: h\n",
	"containers:\n- name: app\n  image: nginx:1.27\n  ports:\n  - containerPort: 80\n    protocol: TCP\n- name: side\n",
	"containers:\n  - name: app\n    args:\n      - --port=8080\n      - -v\n",
	"a:\nb: ~\nc: null\nd:\n  # nothing\ne: []\nf: {}\ng: [] # empty\n",
	"script: |\n  #!/bin/sh\n  echo \"a: b\" # not a comment\n\n  exit 0\n\nnext: 1\n",
	"script: |-\n    indented\n      more\n    back\nnext: |\n\n  after an empty line\n",
	"a: |\n  text\n# comment\nb: c\n",
	"yes: no\non: off\n0755: 0x1F\nnum: 1e3\nf: .inf\nn: -12\nv: 1.0\ns: 012\nt: 2001-12-14\n",
	"key with spaces: value with spaces  \n\"quoted key\": 'it''s'\n'single': \"a\\\"b\\\\c\\n\\t\\u00e9\"\n",
	"list:\n-\n- x\n-\n  k: v\n",
	"schedule: '*/5 * * * *'\nurl: http://example.com:8080/path\nimage: nginx:1.27\n",
	"resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: \"1\"}}\ndrop: [ALL]\nports: [{port: 80}, {name: http, containerPort: 8080}]\n",
	"args: [\"--nginx.scrape-uri=http://localhost:8080/stub_status\", -v, 'x']\nempty: { }\n",
	"# 中文注释\nannotations:\n  description: 这是一个 Pod # 注释\n  k: v\n",
	"'single': \"a\\\"b\\\\c\\n\\t\\u00e9\"\n",
}

// jsonRead are objects as JSON on one line, which parseBlockYAML reads itself.
var jsonRead = []string{
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"labels\":{}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"nginx:1.27\",\"ports\":[{\"containerPort\":80}],\"args\":[\"\\u003ca\\u0026b\\u003e\",\"x\\ty\\r\\n\"]}],\"enabled\":true,\"none\":null,\"n\":-1.5e+06}}\n",
	"---\n# Source: chart/templates/pod.yaml\n{\"a\": [1, 2], \"b\" : {}}\n",
}

// blockYAMLCorners are the corners of that style, read or left to yaml.v3.
var blockYAMLCorners = []string{
	"list:\n-\n- x\n-\n  k: v\n- - nested\n",
	"a: |\n  x\n   \n",
	"schedule: '*/5 * * * *'\nplain: */5 * * * *\nurl: http://example.com:8080/path\n",
	"a: b: c\n",
	"a: \"b\": c\n",
	"a: b\n  c\n",
	"a:\n  b\n",
	"a: 'unterminated\n  line'\n",
	"a: &anchor 1\nb: *anchor\n",
	"a: !!str 1\n",
	"a: >\n  folded\n",
	"a: |+\n  kept\n\n",
	"a: |2\n   explicit\n",
	"a: [1, 2]\nb: {c: d}\n",
	"- a\n- b\n",
	"a: 1\n- b\n",
	"a:\n  - b\n  c: d\n",
	"<<:\n  a: 1\nb: 2\n",
	"a: -1\nb: - c\n",
	"a: ---\n",
	"a: --- b\n",
	"a: b # c: d\n",
	"a: b #c\n",
	"a: b#c\n",
	"a:b\n",
	"? a\n: b\n",
	"a: %x\n",
	"a: @x\n",
	"a:  \n  b: c\n",
	"a: \"\\x41\"\n",
	"a: \"\\ud800\"\n",
	"  a: b\n  c: d\n",
	"a: b\n c: d\n",
	"a: |\n  x\n b: c\n",
	"a: |\n\n\n",
	"a: |\nb: c\n",
	"a: |   # header comment\n  x\n",
	"a: |-x\n  y\n",
	"- \n",
	"-  # comment\n  a: b\n",
	"a:\n  -\n    b: c\n",
	"a: {}x\n",
	"a: [ ]\n",
	"a: 'x' y\n",
	"a: \"x\"   # c\n",
	"a: 'x':\n",
	"\"a\" : b\n",
	"a : b\n",
	"a\t: b\n",
	"a: b\r\n",
	"a: caf\xc3\xa9\n",
	"a: b",
	"# only a comment\n",
	"---\n",
	"--- a\n",
	"---x: y\n",
	"...\n",
	"a: ...\n",
	"a: '''\n",
	"a: \"\n",
	"a: '\n",
	"a: \"\\\n",
	"a: -\n",
	"a: - \n",
	"- a: b\n  - c\n",
	"a:\n- b\n- c\nd: e\n",
	"a:\n    b: 1\n  c: 2\n",
	"a: {b: c, }\n",
	"a: {b: c,, d: e}\n",
	"a: {b}\n",
	"a: {b: }\n",
	"a: {b:c}\n",
	"a: [b: c]\n",
	"a: [b, [c, {d: e}]] # c\n",
	"a: {\"b\": c, 'd' : e}\n",
	"a: [b, c\n  , d]\n",
	"a: {b: c} d\n",
	"a: [b]]\n",
	"a: [http://x, a:b, a: b]\n",
	"a: [? b]\n",
	"a: [b #c]\n",
	"a: [-b, - b]\n",
	"a: [~, null, 1, yes]\n",
	"é: ü\nb: {é: ü}\n",
	"a: \"\\/\"\n",
	"a: \xef\xbb\xbf\n",
	"a: \xf0\x9f\x98\x80\n",
	"a: \xc2\x85\n",
	"# x\u2028y: z\na: b\n",
	"a: b\u2028c\n",
	"a: 'b\u2029c'\nd: e\n",
	"a: |\n  x\u2028y\nb: c\n",
	"a: {" + strings.Repeat("k", 1025) + ": v}\n",
	"{\"" + strings.Repeat("k", 1023) + "\":1}\n",
	"a: {" + strings.Repeat("k", 1020) + "      : v}\n",
	"a: [{" + strings.Repeat("k", 1025) + ": v}]\n",
	strings.Repeat("k", 1025) + ": v\n",
	strings.Repeat(" ", 501) + "a: b\n",
	"{\"a\":1,}\n",
	"{\"a\":\"\\/\"}\n",
	"{\"a\":\"\\b\\f\\r\\0\\e\"}\n",
	"{a:1}\n",
	"{\"a\":1} # c\n",
	"{\"a\":\n1}\n",
	"[1]\n",
	"{\"a\":1}\n{\"b\":2}\n",
}

// FuzzBlockYAMLIsYAMLv3 holds parseBlockYAML to yaml.v3: whatever it reads, yaml.v3 reads as
// one document with the same tree (kinds, tags, values, styles, lines and columns). It parses
// into nodes that held the largest example's document before, as check's reader reuses them.
func FuzzBlockYAMLIsYAMLv3(f *testing.F) {
	for _, c := range slices.Concat(blockYAMLRead, jsonRead, blockYAMLCorners) {
		f.Add([]byte(c))
	}
	var largest []byte
	for _, doc := range exampleDocuments(f) {
		f.Add(doc)
		if len(doc) > len(largest) {
			largest = doc
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes := &nodeSlab{}
		if _, ok := parseBlockYAML(largest, nodes); !ok {
			t.Fatalf("the largest example fell back to yaml.v3:\n%s", largest)
		}
		nodes.reset()
		got, ok := parseBlockYAML(data, nodes)
		if !ok {
			return
		}
		want, err := decodeOneDocument(data)
		if err != nil {
			t.Fatalf("%q: read as block YAML, but yaml.v3 reads: %v\n%s", data, err, dumpNode(got, 0))
		}
		if g, w := dumpNode(got, 0), dumpNode(want, 0); g != w {
			t.Fatalf("%q:\n--- block YAML\n%s--- yaml.v3\n%s", data, g, w)
		}
	})
}

// TestBlockYAMLReadsHelmShapedDocuments keeps the fast path in use: the examples, and the
// corners helm template output has, are read without falling back to yaml.v3.
func TestBlockYAMLReadsHelmShapedDocuments(t *testing.T) {
	docs := exampleDocuments(t)
	for _, c := range append(blockYAMLRead, jsonRead...) {
		docs = append(docs, []byte(c))
	}
	for _, doc := range docs {
		if _, ok := parseBlockYAML(doc, nil); !ok {
			t.Errorf("%q: fell back to yaml.v3", doc)
		}
	}
}

// exampleDocuments are the documents of the examples and of check's test data, as
// Kubernetes' YAMLReader splits them (and so the parallel reader).
func exampleDocuments(tb testing.TB) [][]byte {
	tb.Helper()
	paths, _ := filepath.Glob("../../examples/*.yaml")
	more, _ := filepath.Glob("../check/testdata/*.yaml")
	var docs [][]byte
	for _, path := range append(paths, more...) {
		if strings.Contains(path, "broken") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		reader := yamlutil.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := reader.Read()
			if err != nil {
				break
			}
			if hasContent(doc) {
				docs = append(docs, doc)
			}
		}
	}
	return docs
}

func decodeOneDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var node yaml.Node
	if err := dec.Decode(&node); err != nil {
		return nil, err
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("a second document, or: %v", err)
	}
	return &node, nil
}

// dumpNode writes what of a node the reader uses, one node per line. The tag is ShortTag's,
// as parseBlockYAML leaves plain scalars' to it.
func dumpNode(n *yaml.Node, depth int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d %s %q style=%d %d:%d anchor=%q alias=%v\n", strings.Repeat("  ", depth), n.Kind, n.ShortTag(), n.Value, n.Style, n.Line, n.Column, n.Anchor, n.Alias != nil)
	for _, c := range n.Content {
		b.WriteString(dumpNode(c, depth+1))
	}
	return b.String()
}

// hasContent reports whether a document holds more than comments and blank lines.
func hasContent(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 && trimmed[0] != '#' {
			return true
		}
	}
	return false
}
