//go:build e2e

package parity

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/test/harness"
)

// manifestCase is one object of the corpus, as its file writes it.
type manifestCase struct {
	// origin names where it comes from: file, and document when the file holds several.
	origin string
	text   []byte
	kind   *kinds.Kind
	// name is the object's name; generate is set when it gives only a generateName.
	name     string
	generate bool
	// namespace is the namespace the object names, if any.
	namespace string
}

// corpus gathers the objects of the kinds podpolicy judges from the examples, the fixture
// manifests of the suites, the test charts rendered by helm, and this suite's corpus of
// manifests shaped like popular charts' (testdata/corpus).
func corpus(t *testing.T) []manifestCase {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{"examples/*.yaml", "test/e2e/parity/testdata/corpus/*.yaml", "test/e2e/node/testdata/web-server-pod-fixed.yaml", "test/demo/app.yaml"} {
		matches, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil || len(matches) == 0 {
			t.Fatalf("corpus %s: %v", pattern, err)
		}
		files = append(files, matches...)
	}
	var cases []manifestCase
	add := func(origin string, data []byte) {
		reader := yamlutil.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for i := 0; ; i++ {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", origin, err)
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct{ Name, GenerateName, Namespace string }
			}
			if err := yaml.Unmarshal(doc, &head); err != nil || head.Kind == "" {
				continue
			}
			k := kinds.BuiltinTable().Of(head.APIVersion, head.Kind)
			if k == nil || !k.Serves(head.APIVersion) {
				continue
			}
			c := manifestCase{origin: origin, text: doc, kind: k, name: head.Metadata.Name, namespace: head.Metadata.Namespace}
			if c.name == "" {
				c.name, c.generate = head.Metadata.GenerateName, true
			}
			if i > 0 || bytes.Count(data, []byte("\n---")) > 0 {
				c.origin += "#" + c.name
			}
			cases = append(cases, c)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		add(rel, data)
	}
	for _, chart := range []string{"webapp", "ingress-controller"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r := cp.Helm(ctx, "template", "parity", filepath.Join(root, "test/e2e/testdata/charts", chart))
		cancel()
		if r.ExitCode != 0 {
			t.Fatalf("helm template %s: %s", chart, r.Output())
		}
		add("helm template "+chart, []byte(r.Stdout))
	}
	return cases
}

// shortName is a case's origin as a file name.
func shortName(c manifestCase) string {
	return strings.NewReplacer("/", "_", " ", "_", "#", "_").Replace(c.origin) + ".yaml"
}
