package normalize

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies/kinds"
)

// configured is a kinds table with custom kinds as a config makes them.
var configured = kinds.NewTable([]kinds.Kind{
	{Group: "ray.io", Kind: "RayCluster", Resource: "rayclusters", Templates: []kinds.Path{kinds.MustPath("spec.headGroupSpec.template"), kinds.MustPath("spec.workerGroupSpecs[*].template")}},
	{Group: "kubeflow.org", Kind: "PyTorchJob", Resource: "pytorchjobs", Templates: []kinds.Path{kinds.MustPath("spec.pytorchReplicaSpecs.*.template")}, RunsToCompletion: true},
	{Group: "argoproj.io", Kind: "Rollout", Resource: "rollouts", Templates: []kinds.Path{kinds.MustPath("spec.template")}, TemplateRef: kinds.MustPath("spec.workloadRef")},
})

// inputs normalises a JSON object of the configured table.
func inputs(t *testing.T, object string) ([]*Input, error) {
	t.Helper()
	if !json.Valid([]byte(object)) {
		t.Fatalf("not JSON: %s", object)
	}
	decoded, err := Decode([]byte(object))
	if err != nil {
		t.Fatal(err)
	}
	return NewInputs(decoded, "CREATE", configured)
}

// TestEveryTemplateIsAnInputAtItsConcretePath: a RayCluster's head and each worker group, a
// PyTorchJob's replicas (keys in order, whatever the object's), each its own Input with the
// path of its template, and the API server's defaulting applied to each.
func TestEveryTemplateIsAnInputAtItsConcretePath(t *testing.T) {
	ins, err := inputs(t, `{"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "rc", "namespace": "ml"},
		"spec": {"headGroupSpec": {"template": {"spec": {"containers": [{"name": "head"}]}}},
		"workerGroupSpecs": [{"template": {"spec": {"containers": [{"name": "cpu"}]}}}, {"template": {"spec": {"hostNetwork": true, "containers": [{"name": "gpu", "ports": [{"containerPort": 8080}]}]}}}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, in := range ins {
		paths = append(paths, in.TemplatePath+" "+in.SpecPath+" "+in.Name+" "+in.Namespace)
	}
	want := []string{
		"spec.headGroupSpec.template spec.headGroupSpec.template.spec rc ml",
		"spec.workerGroupSpecs[0].template spec.workerGroupSpecs[0].template.spec rc ml",
		"spec.workerGroupSpecs[1].template spec.workerGroupSpecs[1].template.spec rc ml",
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("inputs\n%s\nwant\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
	gpu := native(t, ins[2].Pod)["spec"].(map[string]any)
	port := gpu["containers"].([]any)[0].(map[string]any)["ports"].([]any)[0].(map[string]any)
	if gpu["restartPolicy"] != "Always" || port["hostPort"] != json.Number("8080") && port["hostPort"] != 8080.0 {
		t.Errorf("the gpu group was not defaulted as the API server defaults a pod: %v", gpu)
	}
	if got := ins[2].ObjectPath("metadata.labels"); got != "spec.workerGroupSpecs[1].template.metadata.labels" {
		t.Errorf("metadata path %s", got)
	}

	ins, err = inputs(t, `{"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "metadata": {"name": "mnist"},
		"spec": {"pytorchReplicaSpecs": {"Worker": {"template": {"spec": {"containers": [{"name": "w"}]}}}, "Master": {"template": {"spec": {"containers": [{"name": "m"}]}}}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].TemplatePath != "spec.pytorchReplicaSpecs.Master.template" || ins[1].TemplatePath != "spec.pytorchReplicaSpecs.Worker.template" {
		t.Fatalf("PyTorchJob inputs %v", ins)
	}
	if spec := native(t, ins[0].Pod)["spec"].(map[string]any); spec["restartPolicy"] != nil || !ins[0].RunsToCompletion {
		t.Errorf("a PyTorchJob's pod runs to completion; its restartPolicy was defaulted: %v", spec)
	}
}

// TestWhatIsNotAPodTemplateIsAnErrorNamingItsPath: a template path that holds a list, a map
// where a list is expected, or an object with other members than metadata and spec, is a
// FieldError naming the concrete path.
func TestWhatIsNotAPodTemplateIsAnErrorNamingItsPath(t *testing.T) {
	for object, want := range map[string]string{
		`{"apiVersion": "ray.io/v1", "kind": "RayCluster", "spec": {"workerGroupSpecs": [{"template": []}]}}`:                         "spec.workerGroupSpecs[0].template: expected a pod template (an object of metadata and spec), got a list",
		`{"apiVersion": "ray.io/v1", "kind": "RayCluster", "spec": {"workerGroupSpecs": {"gpu": {}}}}`:                                "spec.workerGroupSpecs: expected a list, got an object",
		`{"apiVersion": "ray.io/v1", "kind": "RayCluster", "spec": {"headGroupSpec": {"template": {"spec": {}, "replicas": 2}}}}`:     "spec.headGroupSpec.template: expected a pod template (an object of metadata and spec), got an object with \"replicas\"",
		`{"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "spec": {"pytorchReplicaSpecs": ["Master"]}}`:                        "spec.pytorchReplicaSpecs: expected a map, got a list",
		`{"apiVersion": "ray.io/v1", "kind": "RayCluster", "spec": "none"}`:                                                           "spec: expected an object, got a string",
		`{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"workloadRef": "web"}}`:                                   "spec.workloadRef: expected a reference (apiVersion, kind, name), got a string",
		`{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"workloadRef": {"kind": "Deployment"}}}`:                  "spec.workloadRef: a reference names the kind and name",
		`{"apiVersion": "ray.io/v1", "kind": "RayCluster", "spec": {"headGroupSpec": {"template": {"spec": {"containers": "web"}}}}}`: "spec.headGroupSpec.template.spec.containers",
	} {
		_, err := inputs(t, object)
		var field *FieldError
		if !errors.As(err, &field) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant a FieldError saying %q", object, err, want)
		}
	}
}

// TestAnObjectWithoutATemplateSaysSo: no template at any path is a NoTemplate, never an
// empty pod judged as passing; a Rollout's workloadRef names whose template it runs, and
// whether podpolicy judges that kind.
func TestAnObjectWithoutATemplateSaysSo(t *testing.T) {
	for object, want := range map[string]string{
		`{"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "rc"}, "spec": {"workerGroupSpecs": []}}`:                                                                          "no pod template at spec.headGroupSpec.template or spec.workerGroupSpecs[*].template: nothing to judge until its Pods are created, which are judged then",
		`{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}`:                                       "no pod template at spec.template: it runs the pod template of Deployment web (spec.workloadRef), which podpolicy judges as any Deployment; exceptions naming this object cover its Pods",
		`{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"workloadRef": {"apiVersion": "v1", "kind": "PodTemplate", "name": "web"}, "template": {"metadata": {}, "spec": {}}}}`: "no pod template at spec.template: it runs the pod template of PodTemplate web (spec.workloadRef), which podpolicy judges in the objects its controller creates from it",
	} {
		ins, err := inputs(t, object)
		if err != nil {
			t.Fatalf("%s: %v", object, err)
		}
		if len(ins) != 1 || ins[0].Pod != nil || ins[0].NoTemplate == nil || !strings.HasPrefix(ins[0].NoTemplate.String(), want) {
			t.Errorf("%s:\n got %v\nwant %q", object, ins[0].NoTemplate, want)
		}
	}
}
