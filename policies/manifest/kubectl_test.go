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

	"github.com/open-policy-agent/opa/v1/ast"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/podpolicy/podpolicy/policies/astjson"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// kubectlCreates is what `kubectl apply -f` (and helm) make of a stream, by Kubernetes' own
// code: apimachinery's yaml.NewYAMLOrJSONDecoder(r, 4096) into RawExtensions, then
// cli-runtime's builder: StreamVisitor skips empty and null documents and decodes each with
// metadataValidatingDecoder{unstructured.UnstructuredJSONScheme}; FlattenListVisitor expands
// lists breadth first; the object typer refuses an item without kind or apiVersion. (The
// builder's glue, ten lines of k8s.io/cli-runtime v0.37.2 pkg/resource, is copied here: the
// module is not one of podpolicy's dependencies.) It returns the objects kubectl would send
// before the first thing that stops its stream, and whether one did.
func kubectlCreates(data []byte) (objects []ast.Value, stopped bool) {
	d := yamlutil.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		ext := runtime.RawExtension{}
		if err := d.Decode(&ext); err != nil {
			return objects, !errors.Is(err, io.EOF)
		}
		ext.Raw = bytes.TrimSpace(ext.Raw)
		if len(ext.Raw) == 0 || bytes.Equal(ext.Raw, []byte("null")) {
			continue
		}
		obj, _, err := unstructured.UnstructuredJSONScheme.Decode(ext.Raw, nil, nil)
		if err != nil {
			return objects, true
		}
		if err := utiljson.Unmarshal(ext.Raw, &metadataOnlyObject{}); err != nil {
			return objects, true
		}
		if !meta.IsListType(obj) {
			objects = append(objects, semantic(ext.Raw))
			continue
		}
		var items []runtime.Object
		toProcess := []runtime.Object{obj}
		for i := 0; i < len(toProcess); i++ {
			if !meta.IsListType(toProcess[i]) {
				items = append(items, toProcess[i])
				continue
			}
			more, err := meta.ExtractList(toProcess[i])
			if err != nil {
				return objects, true
			}
			toProcess = append(toProcess, more...)
		}
		failed := false
		for _, item := range items {
			u := item.(*unstructured.Unstructured)
			if gvk := u.GroupVersionKind(); gvk.Kind == "" || gvk.Version == "" {
				failed = true
				continue
			}
			raw, err := utiljson.Marshal(u.Object)
			if err != nil {
				panic(err)
			}
			objects = append(objects, semantic(raw))
		}
		if failed {
			return objects, true
		}
	}
}

// semantic is an object as podpolicy judges it: its JSON decoded into OPA values.
func semantic(raw []byte) ast.Value {
	v, err := astjson.DecodeWith(raw, astjson.Options{})
	if err != nil {
		return ast.String("undecodable: " + err.Error())
	}
	return v
}

// judged is the object a document gives podpolicy to judge, as its JSON decoded; a document the
// block-YAML reader built the object of (objectOf) gives it only when that object is the one
// normalize.Decode makes of the JSON, and an error saying so otherwise.
func judged(d *Document) ast.Value {
	raw, err := d.KubectlJSON()
	if err != nil {
		return ast.String("unwritable: " + err.Error())
	}
	if d.Object != nil {
		want, err := normalize.Decode(raw)
		if err != nil || ast.Compare(want, d.Object) != 0 {
			return ast.String(fmt.Sprintf("built object %v is not the decoded JSON %s (%v)", d.Object, raw, err))
		}
	}
	return semantic(raw)
}

// readerCreates is what a reader of ours judges of a stream before its first error, and
// whether it reported one: the objects kubectl would send, to be judged the same.
func readerCreates(data []byte, parallel bool) (objects []ast.Value, stopped bool) {
	yield := func(d *Document, err error) bool {
		if err != nil {
			stopped = true
			return false
		}
		objects = append(objects, judged(d))
		return true
	}
	if parallel {
		EachParallel([]string{Stdin}, bytes.NewReader(data), 3, yield)
	} else {
		Each([]string{Stdin}, bytes.NewReader(data), yield)
	}
	return objects, stopped
}

// outline is everything a reader yields for a stream: each document's source, file, line,
// object (as judged) and the line of every node (what LineOf answers from), and each error.
func outline(data []byte, parallel bool) string {
	var b strings.Builder
	yield := func(d *Document, err error) bool {
		if err != nil {
			fmt.Fprintf(&b, "error %v\n", err)
			return true
		}
		fmt.Fprintf(&b, "doc %s %s:%d %v\n", d.Source, d.File, d.Line, judged(d))
		var lines func(n *yaml.Node)
		lines = func(n *yaml.Node) {
			if n == nil {
				return
			}
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
		EachParallel([]string{Stdin}, bytes.NewReader(data), 3, yield)
	} else {
		Each([]string{Stdin}, bytes.NewReader(data), yield)
	}
	return b.String()
}

// compareWithKubectl fails t when a reader judges other objects than kubectl sends before its
// stream stops, stops where kubectl goes on or goes on where kubectl stops, or when the
// parallel reader's outline differs from the reference reader's. A stream whose objects
// kubectl itself makes differently from one run to the next (two keys of different YAML types
// that are one JSON key: which value it keeps follows Go's map order) is left out when the
// readers' objects differ from those of kubectl's first run or from each other, as they may
// then (the unusual goes through kubectl's own conversion): it returns false.
func compareWithKubectl(t *testing.T, data []byte) bool {
	want, wantStopped := kubectlCreates(data)
	for _, parallel := range []bool{false, true} {
		got, gotStopped := readerCreates(data, parallel)
		if gotStopped == wantStopped && equalValues(got, want) {
			continue
		}
		if kubectlVaries(data, want, wantStopped) {
			return false
		}
		t.Fatalf("%q (parallel %v):\nkubectl sends %v (stopped: %v)\n reader judges %v (stopped: %v)", data, parallel, want, wantStopped, got, gotStopped)
	}
	if ref, par := outline(data, false), outline(data, true); ref != par {
		if kubectlVaries(data, want, wantStopped) {
			return false
		}
		t.Fatalf("%q:\n--- parallel\n%s--- reference\n%s", data, par, ref)
	}
	return true
}

// kubectlVaries reports whether kubectl makes of data, in some run, other objects than want.
// Go's map order puts two colliding keys either way round with a chance of at least one in
// eight, so 200 runs miss a second outcome with a chance below 1e-11; a few agreeing runs
// would not do (a fuzz run once met four that agreed by chance).
func kubectlVaries(data []byte, want []ast.Value, wantStopped bool) bool {
	for range 200 {
		again, againStopped := kubectlCreates(data)
		if againStopped != wantStopped || !equalValues(again, want) {
			return true
		}
	}
	return false
}

func equalValues(a, b []ast.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Compare(b[i]) != 0 {
			return false
		}
	}
	return true
}

// streamCases are streams where kubectl's reader and a YAML library part: separator
// variants (---#, --- # c, ---x, a separator with content, indented ones), CR, CRLF, a BOM,
// document end markers and directives, JSON streams and JSON then YAML, lists of any kind,
// items on kinds not ending in List, nested lists, items inheriting the list's kind, empty
// and null documents, duplicate keys, metadata kubectl refuses, syntax errors early and late.
var streamCases = []string{
	"",
	"# only a comment\n",
	"kind: Pod\napiVersion: v1\nmetadata: {name: a}\n",
	"# c\n---\nkind: Pod\nmetadata: {name: a}\n---\n---\nkind: Pod\nmetadata: {name: b}\n---\n",
	"kind: Pod\nmetadata: {name: a}\nspec: {hostPID: true}\n---#x: y\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
	"kind: Pod\nmetadata: {name: a}\n--- # a comment\nkind: Pod\nmetadata: {name: b}\n",
	"kind: Pod\nmetadata: {name: a}\n---x\nkind: Pod\nmetadata: {name: b}\n",
	"--- {kind: Pod, metadata: {name: a}}\n--- # x\nkind: Pod\n",
	"kind: Pod\nmetadata: {name: a}\n ---\nb: 1\n",
	"kind: Pod\n...\n---\nkind: Pod\nmetadata: {name: b}\n",
	"%YAML 1.1\n---\nkind: Pod\n",
	"kind: Pod\r\nmetadata:\r\n  name: a\r\n---\r\nkind: Pod\r\n",
	"kind: Pod\rmetadata: {name: a}\r---\rkind: Pod\n",
	"\ufeffkind: Pod\nmetadata: {name: a}\n---\nkind: Pod\n",
	"\ufeff---\nkind: Pod\n",
	"kind: Pod\nmetadata: {name: \"a\n---\nkind: Pod\n",
	"kind: Pod\n---\nkind: [\n---\nkind: Pod\n",
	"kind: Pod\n---\nkind: Pod\nspec: {a: b\n",
	"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}}\n{\"kind\": \"Pod\", \"metadata\": {\"name\": \"b\"}}\n",
	"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}} {\"kind\": \"Pod\"} {\"kind\": ",
	"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}}\nkind: Pod\nmetadata: {name: b}\n",
	"{\"kind\": \"Pod\"}\n---\nkind: Pod\nmetadata: {name: b}\n",
	"{\"kind\": \"Pod\"}\nab",
	"{kind: Pod, metadata: {name: a}}\n",
	"   \n\n{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}}]}",
	"kind: List\napiVersion: v1\nitems:\n- {kind: Pod, apiVersion: v1, metadata: {name: a}}\n- 3\n---\nkind: Pod\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nitems:\n- {apiVersion: apps/v1, kind: DaemonSet, metadata: {name: agent}, spec: {template: {spec: {hostNetwork: true, containers: [{name: a, securityContext: {privileged: true}}]}}}}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\nitems: []\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\nitems: null\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\nitems: 5\n",
	"apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: inherits}\n  spec: {hostPID: true}\n- {kind: Pod, metadata: {name: no-version}}\n",
	"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Pod, metadata: {name: inner}}]}\n- {apiVersion: v1, kind: Pod, metadata: {name: outer}}\n",
	"kind: Pod\nmetadata: {name: a}\nkind: Service\n",
	"kind: Pod\nmetadata: {name: a, labels: {version: 2}}\n---\nkind: Pod\nmetadata: {name: b}\n",
	"kind: Pod\nmetadata: {name: 5}\n",
	"kind: 5\nmetadata: {name: a}\n",
	"apiVersion: 5\nkind: Pod\n",
	"metadata: {name: a}\n---\nkind: Pod\n",
	"- a\n- b\n---\nkind: Pod\n",
	"plain\n---\nkind: Pod\n",
	"null\n---\n~\n---\nkind: Pod\n",
	"kind: Pod\nmetadata: {generateName: node-agent-}\n",
	"---\n",
	"kind: Pod\n----\nx: 1\n",
	"0\n---  \"",
	"x: &a {kind: Pod}\nkind: Pod\ny: *a\n---\n- not an object\n---\nz: *b\n",
	"kind: Pod\nspec:\n  containers:\n  - name: a\n    ports: [{containerPort: 0x1F90, hostPort: 017}]\n    securityContext: {privileged: y}\n",
	"kind: Pod\n<<: {metadata: {name: merged}}\n",
}

func TestReadersSendWhatKubectlSends(t *testing.T) {
	compared := 0
	for _, data := range streamCases {
		if compareWithKubectl(t, []byte(data)) {
			compared++
		}
	}
	if compared < len(streamCases)-2 {
		t.Errorf("compared %d of %d streams with kubectl's reader", compared, len(streamCases))
	}
	// The repository's manifests, one by one and as one large stream.
	var all bytes.Buffer
	for _, dir := range []string{"../../examples", "../check/testdata", "testdata", "../../charts/podpolicy/ci"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
		json, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range append(files, json...) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			compareWithKubectl(t, data)
			if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
				fmt.Fprintf(&all, "---\n%s\n", data)
			}
		}
	}
	compareWithKubectl(t, bytes.Repeat(all.Bytes(), 20))
}

// FuzzStreamIsKubectls is the differential of the stream readers against Kubernetes' own: on
// any stream, both readers judge exactly the objects `kubectl apply -f` would send, and stop
// (report an error) exactly where it would stop; and the parallel reader yields what the
// reference reader yields, line for line.
func FuzzStreamIsKubectls(f *testing.F) {
	for _, c := range streamCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithKubectl(t, data)
	})
}

// framings lists what YAMLReader and the splitter make of a stream: each document's text, or
// "error" for an invalid separator, up to the end.
func framings(data []byte) (reader, split []string) {
	r := yamlutil.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	s := &splitter{r: bufio.NewReaderSize(bytes.NewReader(data), 16)}
	for range 10_000 {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			reader = append(reader, "error "+err.Error())
			continue
		}
		reader = append(reader, string(doc))
	}
	for range 10_000 {
		doc, _, err := s.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			split = append(split, "error "+err.Error())
			continue
		}
		split = append(split, string(doc))
	}
	return reader, split
}

// FuzzFramingIsYAMLReaders holds the splitter, which the parallel reader frames streams with
// and the reference reader places documents with, to Kubernetes' yaml.YAMLReader: the same
// documents, byte for byte, and the same errors, in order (read through a small buffer, so
// that long lines are read in pieces).
func FuzzFramingIsYAMLReaders(f *testing.F) {
	for _, c := range streamCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(strings.Repeat("x", 40) + "\r\n---" + strings.Repeat(" ", 30) + "#c\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, s := framings(data); !slices.Equal(r, s) {
			t.Fatalf("%q:\nYAMLReader %q\n  splitter %q", data, r, s)
		}
	})
}

func TestFramingIsYAMLReaders(t *testing.T) {
	for _, c := range streamCases {
		if r, s := framings([]byte(c)); !slices.Equal(r, s) {
			t.Errorf("%q:\nYAMLReader %q\n  splitter %q", c, r, s)
		}
	}
}

// streamFragments are the pieces random streams are built of: objects in block style (as helm
// writes them) and in flow style, lists, JSON, separators of every kind, comments, markers
// and line-break variants.
var streamFragments = []string{
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n",
	"# Source: chart/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels:\n    app: api\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: api\n        image: \"registry:5000/api\"\n",
	"kind: Pod\nmetadata: {name: flow, labels: {a: b}}\nspec: {containers: [{name: a, image: a}]}\n",
	"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: item}}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\nitems:\n- {apiVersion: apps/v1, kind: DaemonSet, metadata: {name: hidden}}\n",
	"apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: inherits}\n",
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"json\"}}\n",
	"kind: Pod\nmetadata:\n  name: literal\n  annotations:\n    script: |\n      echo hi\n",
	"kind: Pod\nmetadata: {name: dup}\nkind: Service\n",
	"kind: Pod\nmetadata: {name: bad, labels: {v: 2}}\n",
	"metadata: {name: nokind}\n",
	"- a list\n",
	"just a scalar\n",
	"kind: [\n",
	"null\n",
	"# only a comment\n",
	"\n",
	"---\n", "--- # c\n", "---#x: y\n", "---x\n", "--- {}\n", "...\n", "%YAML 1.1\n",
}

// randomStream joins fragments drawn by seed, with separators and line-break variants.
func randomStream(seed uint64) []byte {
	state := seed*6364136223846793005 + 1442695040888963407
	next := func(n int) int {
		state = state*6364136223846793005 + 1442695040888963407
		return int((state >> 33) % uint64(n))
	}
	var b bytes.Buffer
	for range 1 + next(6) {
		frag := streamFragments[next(len(streamFragments))]
		switch next(8) {
		case 0:
			frag = strings.ReplaceAll(frag, "\n", "\r\n")
		case 1:
			frag = strings.TrimSuffix(frag, "\n")
		case 2:
			frag = "\ufeff" + frag
		}
		b.WriteString(frag)
		if next(3) > 0 {
			b.WriteString([]string{"---\n", "---\n", "--- # next\n", "---#\n", "---\r\n"}[next(5)])
		}
	}
	return b.Bytes()
}

// TestRandomStreamsSendWhatKubectlSends is the fixed-seed run of FuzzStreamIsKubectls: streams
// joined from fragments by 2,000 seeds.
func TestRandomStreamsSendWhatKubectlSends(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	compared := 0
	for seed := range uint64(n) {
		if compareWithKubectl(t, randomStream(seed)) {
			compared++
		}
	}
	if compared < n*9/10 {
		t.Errorf("compared %d of %d random streams with kubectl's reader", compared, n)
	}
	t.Logf("%d random streams read as kubectl reads them", compared)
}
