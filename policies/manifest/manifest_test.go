package manifest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const twoDocs = `# leading comment
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    created: 2024-01-02
spec:
  containers:
  - name: web
    image: nginx:1.27.3
    resources:
      limits:
        memory: 1Gi
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
`

func TestReadKeepsSourcesAndLines(t *testing.T) {
	docs, errs := Read([]string{Stdin}, strings.NewReader(twoDocs))
	if len(errs) != 0 || len(docs) != 2 {
		t.Fatalf("docs %d, errs %v", len(docs), errs)
	}
	pod := docs[0]
	if pod.Source != "-#0" || docs[1].Source != "-#1" || pod.Line != 2 || docs[1].Line != 16 {
		t.Errorf("sources %s %s, lines %d %d", pod.Source, docs[1].Source, pod.Line, docs[1].Line)
	}
	for path, want := range map[string]int{
		"spec.containers[0].image":                   11,
		"spec.containers[0].resources.limits.memory": 14,
		"spec.containers[0].resources.requests.cpu":  12, // missing: where it would be added
		"spec.containers[3].image":                   9,
		"spec.hostNetwork":                           8,
	} {
		if got := pod.LineOf(path); got != want {
			t.Errorf("LineOf(%s) = %d, want %d", path, got, want)
		}
	}
	var obj map[string]any
	if err := json.Unmarshal(pod.JSON, &obj); err != nil {
		t.Fatalf("document JSON %s: %v", pod.JSON, err)
	}
	created := obj["metadata"].(map[string]any)["annotations"].(map[string]any)["created"]
	if created != "2024-01-02" {
		t.Errorf("a YAML timestamp became %T %v, want the string the API server sees", created, created)
	}
}

func TestReadReportsNonObjects(t *testing.T) {
	_, errs := Read([]string{Stdin}, strings.NewReader("- a\n- b\n---\nplain\n---\n{[a]: b}\n"))
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
	}
	want := []string{
		"-:1: not a Kubernetes object (a mapping) but a list",
		`-:4: not a Kubernetes object (a mapping) but the scalar "plain"`,
		"-:6: a mapping key must be a string",
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n%s", strings.Join(got, "\n"))
	}
}

func TestReadDirectoryWithoutManifests(t *testing.T) {
	_, errs := Read([]string{t.TempDir()}, nil)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "directory holds no .yaml, .yml or .json file") {
		t.Errorf("errors: %v", errs)
	}
}

func TestReadRefusesRecursiveAndExplodingDocuments(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g"} {
		laughs += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	for name, tc := range map[string]struct{ doc, want string }{
		"recursive alias": {"kind: Pod\nspec: &x {loop: *x}\n", "nests deeper than 1000 levels"},
		"billion laughs":  {"kind: Pod\n" + laughs, "expands to more than 1000000 nodes"},
	} {
		t.Run(name, func(t *testing.T) {
			docs, errs := Read([]string{Stdin}, strings.NewReader(tc.doc))
			if len(docs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("docs %d, errors %v; want one error containing %q", len(docs), errs, tc.want)
			}
		})
	}
}

// TestUnrenderedHelmTemplateSaysToRenderIt: a chart's template that is not YAML until helm
// renders it is an error that says so.
func TestUnrenderedHelmTemplateSaysToRenderIt(t *testing.T) {
	template := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\n"
	_, errs := Read([]string{Stdin}, strings.NewReader(template))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "-:5: ") || !strings.Contains(errs[0].Error(), "this looks like a Helm template") || !strings.Contains(errs[0].Error(), "helm template CHART | podpolicy check -f -") {
		t.Errorf("errors %v, want one at line 5 (where yaml.v3 stops) saying to render the template", errs)
	}
}
