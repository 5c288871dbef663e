package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/audit"
	"github.com/podpolicy/podpolicy/policies/check"
)

// oneWayManifests are objects of several kinds (a configured one among them) that deny, warn
// and pass, in namespace shop.
var oneWayManifests = []string{`
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  shareProcessNamespace: true
  containers:
  - {name: web, image: nginx:latest, ports: [{containerPort: 80}]}
`, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      hostNetwork: true
      containers:
      - {name: api, image: registry.example.com/api:2.1.0, ports: [{containerPort: 8443, hostPort: 8443}]}
`, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - {name: backup, image: backup, securityContext: {privileged: true}}
`, `
apiVersion: ray.io/v1
kind: RayCluster
metadata: {name: raycluster-gpu, namespace: shop}
spec:
  headGroupSpec:
    template:
      spec:
        containers:
        - {name: ray-head, image: rayproject/ray:2.40.0}
  workerGroupSpecs:
  - groupName: gpu
    template:
      spec:
        containers:
        - {name: ray-worker, image: rayproject/ray-ml:2.40.0-gpu, securityContext: {privileged: true}}
`}

// oneWayLister serves the manifests to the audit as the API server lists them: each with a
// uid, namespace shop without labels.
type oneWayLister struct{ objects []map[string]any }

func (l oneWayLister) Page(_ context.Context, r audit.Resource, _, _ string, _ int) ([]byte, error) {
	items := []any{}
	if r.Kind == "Namespace" {
		items = append(items, map[string]any{"metadata": map[string]any{"name": "shop"}})
	}
	for i, obj := range l.objects {
		if obj["kind"] == r.Kind {
			item := deepCopyJSON(obj)
			item["metadata"].(map[string]any)["uid"] = fmt.Sprintf("uid-%d", i)
			items = append(items, item)
		}
	}
	return json.Marshal(map[string]any{"items": items, "metadata": map[string]any{}})
}

// Served implements audit.Discoverer: the cluster serves the RayClusters of the manifests.
func (l oneWayLister) Served(_ context.Context, group, resource string) (string, error) {
	if group == "ray.io" && resource == "rayclusters" {
		return "v1", nil
	}
	return "", nil
}

func deepCopyJSON(obj map[string]any) map[string]any {
	data, _ := json.Marshal(obj)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

// TestTheFourEntriesGiveOneVerdict: check, post-render, serve and the audit each build their
// context and call the engine's one entry; for the same object in the same context (a CREATE
// in namespace shop, whose labels say nothing) they give the same violations, line for line.
func TestTheFourEntriesGiveOneVerdict(t *testing.T) {
	ctx := context.Background()
	engine, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var objects []map[string]any
	var stream []string
	for i, m := range oneWayManifests {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.yaml", i)), []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(m), &obj); err != nil {
			t.Fatal(err)
		}
		objects = append(objects, obj)
		stream = append(stream, m)
	}
	lines := func(vs []policies.Violation) []string {
		var out []string
		for _, v := range vs {
			out = append(out, string(v.Action)+" "+v.String())
		}
		slices.Sort(out)
		return out
	}
	byObject := map[string]map[string][]string{} // kind/name -> entry -> lines
	record := func(entry, kind, name string, got []string) {
		key := kind + "/" + name
		if byObject[key] == nil {
			byObject[key] = map[string][]string{}
		}
		byObject[key][entry] = got
	}

	report, err := check.Stream(ctx, engine, []string{dir}, nil, check.StreamOptions{Namespace: "default", Keep: true}, nil)
	if err != nil || len(report.Errors) > 0 {
		t.Fatalf("check: %v %v", err, report.Errors)
	}
	for _, r := range report.Results {
		record("check", r.Kind, r.Name, lines(r.Violations))
	}
	rendered := check.PostRender(ctx, engine, []byte(strings.Join(stream, "\n---\n")), "default")
	for _, r := range rendered.Results {
		record("post-render", r.Kind, r.Name, lines(r.Violations))
	}
	run, err := audit.Scan(ctx, audit.Options{Engine: engine, Lister: oneWayLister{objects}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range run.Findings {
		record("audit", f.Owner.Kind, f.Owner.Name, lines(f.Violations))
	}
	handler := NewValidatingHandler(engine, Cluster{Namespaces: fakeNamespaces{"shop": {}}}, nil, logr.Discard())
	for _, obj := range objects {
		raw, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		_, resp := serve(t, handler, createReview(t, raw, "shop"))
		var got []string
		if resp.Result != nil {
			for _, line := range strings.Split(resp.Result.Message, "\n")[1:] {
				got = append(got, "deny "+line)
			}
		}
		name := obj["metadata"].(map[string]any)["name"].(string)
		kind := obj["kind"].(string)
		for _, w := range resp.Warnings {
			got = append(got, "warn "+strings.TrimPrefix(w, kind+` "`+name+`": `))
		}
		slices.Sort(got)
		record("serve", kind, name, got)
	}

	if len(byObject) != len(oneWayManifests) {
		t.Fatalf("verdicts of %d objects, want %d: %v", len(byObject), len(oneWayManifests), byObject)
	}
	for key, entries := range byObject {
		want := entries["check"]
		if len(want) == 0 {
			t.Errorf("%s: check found nothing; the manifests are written to break rules", key)
		}
		for _, entry := range []string{"post-render", "serve", "audit"} {
			if got, ok := entries[entry]; !ok || !slices.Equal(got, want) {
				t.Errorf("%s: %s says\n%s\ncheck says\n%s", key, entry, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

// TestATemplatePathThatHoldsNoTemplateIsABadRequest: serve answers 400 naming the path for a
// RayCluster whose worker group's template is a list, as check exits 2 for it.
func TestATemplatePathThatHoldsNoTemplateIsABadRequest(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	handler := NewValidatingHandler(engine, Cluster{Namespaces: fakeNamespaces{"shop": {}}}, nil, logr.Discard())
	object := []byte(`{"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "rc", "namespace": "shop"},
		"spec": {"workerGroupSpecs": [{"template": [{"name": "ray-worker"}]}]}}`)
	_, resp := serve(t, handler, createReview(t, object, "shop"))
	if resp.Allowed || resp.Result == nil || resp.Result.Code != 400 ||
		!strings.Contains(resp.Result.Message, "spec.workerGroupSpecs[0].template: expected a pod template (an object of metadata and spec), got a list") {
		t.Errorf("response %+v", resp.Result)
	}
}
