package normalize

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// native converts an OPA value back to Go values for inspection.
func native(t *testing.T, v ast.Value) map[string]any {
	t.Helper()
	x, err := ast.JSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return x.(map[string]any)
}

func TestNewInputLocatesPodSpecOfEveryKind(t *testing.T) {
	spec := fixture.PodSpec(t)
	for i, k := range fixture.Kinds {
		in, err := newInput(t, fixture.Object(i, spec), "CREATE")
		if err != nil {
			t.Fatalf("%s: %v", k.Kind, err)
		}
		if in.SpecPath != k.SpecPath || in.Kind != k.Kind || in.Name != "web" || in.Namespace != "shop" {
			t.Errorf("%s: input %+v", k.Kind, in)
		}
		containers, _ := native(t, in.Pod)["spec"].(map[string]any)["containers"].([]any)
		if len(containers) != 2 {
			t.Errorf("%s: pod spec has %d containers, want 2", k.Kind, len(containers))
		}
	}
}

func TestNewInputAppliesAPIServerDefaults(t *testing.T) {
	obj := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"generateName": "web-", "managedFields": []any{map[string]any{"manager": "kubectl", "fieldsV1": map[string]any{"f:spec": map[string]any{}}}}},
		"spec": map[string]any{
			"nodeName": nil,
			"containers": []any{map[string]any{
				"name": "web", "image": "nginx:1.27.3",
				"ports":     []any{map[string]any{"containerPort": 80}, map[string]any{"containerPort": 53, "protocol": "UDP"}},
				"resources": map[string]any{"limits": map[string]any{"cpu": "1", "memory": "1Gi"}, "requests": map[string]any{"cpu": "250m"}},
			}},
		},
	}
	in, err := newInput(t, obj, "CREATE")
	if err != nil {
		t.Fatal(err)
	}
	spec := fixture.At(native(t, in.Pod), "spec")
	if spec["restartPolicy"] != "Always" {
		t.Errorf("restartPolicy %v, want Always", spec["restartPolicy"])
	}
	if _, ok := spec["nodeName"]; ok {
		t.Error("null field kept")
	}
	if _, ok := native(t, in.Pod)["metadata"].(map[string]any)["managedFields"]; ok {
		t.Error("metadata.managedFields is part of the policy input")
	}
	c := fixture.At(spec, "containers", 0)
	if p := fixture.At(c, "ports", 0)["protocol"]; p != "TCP" {
		t.Errorf("default protocol %v, want TCP", p)
	}
	if p := fixture.At(c, "ports", 1)["protocol"]; p != "UDP" {
		t.Errorf("explicit protocol overwritten: %v", p)
	}
	requests := fixture.At(c, "resources", "requests")
	if requests["cpu"] != "250m" || requests["memory"] != "1Gi" {
		t.Errorf("requests %v, want cpu 250m (kept) and memory 1Gi (from limits)", requests)
	}
	if in.Name != "web-" {
		t.Errorf("name %q, want the generateName web-", in.Name)
	}
}

func TestNewInputLeavesJobRestartPolicyAlone(t *testing.T) {
	spec := fixture.PodSpec(t)
	obj := fixture.Object(6, spec) // Job
	delete(fixture.At(obj, "spec", "template", "spec"), "restartPolicy")
	in, err := newInput(t, obj, "CREATE")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fixture.At(native(t, in.Pod), "spec")["restartPolicy"]; ok {
		t.Error("a Job template got restartPolicy Always; the API server requires Never or OnFailure there")
	}
}

func TestNewInputRejectsMalformedObjects(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  map[string]any
		want string
	}{
		{"no kind", map[string]any{"apiVersion": "v1"}, "kind: the object has no kind"},
		{"kind not a string", map[string]any{"kind": 3}, "kind: expected a string, got a number"},
		{"spec a string", map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": "x"}, "spec: expected an object, got a string"},
		{"containers an object", map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": map[string]any{}}}}},
			"spec.template.spec.containers: expected a list, got an object"},
		{"ports a string", map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": map[string]any{"containers": []any{map[string]any{"name": "a", "ports": "80"}}}},
			"spec.containers[0].ports: expected a list, got a string"},
		{"container a number", map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": map[string]any{"initContainers": []any{7}}},
			"spec.initContainers[0]: expected an object, got a number"},
		{"limits a list", map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": map[string]any{"containers": []any{map[string]any{"resources": map[string]any{"limits": []any{}}}}}},
			"spec.containers[0].resources.limits: expected an object, got a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newInput(t, tc.obj, "CREATE")
			var fe *FieldError
			if !errors.As(err, &fe) || err.Error() != tc.want {
				t.Errorf("error %v, want field error %q", err, tc.want)
			}
		})
	}
}

func TestNewInputSkipsOtherKinds(t *testing.T) {
	for _, obj := range []map[string]any{
		{"apiVersion": "v1", "kind": "ConfigMap"},
		{"apiVersion": "example.com/v1", "kind": "Deployment"},
	} {
		_, err := newInput(t, obj, "CREATE")
		if !errors.Is(err, ErrUnsupportedKind) || !strings.Contains(err.Error(), obj["kind"].(string)) {
			t.Errorf("%v: error %v, want ErrUnsupportedKind", obj, err)
		}
	}
}

// TestNewInputDefaultsHostPortsOfHostNetworkTemplates: under hostNetwork the API server sets
// each unset (or 0) hostPort of a Pod to its containerPort; podpolicy does the same to pod
// templates, so a host-network DaemonSet gets the verdict its Pods will get.
func TestNewInputDefaultsHostPortsOfHostNetworkTemplates(t *testing.T) {
	ds := map[string]any{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": map[string]any{"name": "ne-prometheus-node-exporter"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"hostNetwork": true,
			"containers": []any{map[string]any{"name": "node-exporter", "ports": []any{
				map[string]any{"name": "metrics", "containerPort": 9100},
				map[string]any{"containerPort": 9101, "hostPort": 0},
				map[string]any{"containerPort": 9102, "hostPort": 19102},
			}}},
			"initContainers": []any{map[string]any{"name": "init", "ports": []any{map[string]any{"containerPort": 8080}}}},
		}}}}
	in, err := newInput(t, ds, "CREATE")
	if err != nil {
		t.Fatal(err)
	}
	spec := fixture.At(native(t, in.Pod), "spec")
	for _, tc := range []struct {
		path []any
		want any
	}{
		{[]any{"containers", 0, "ports", 0}, json.Number("9100")},
		{[]any{"containers", 0, "ports", 1}, json.Number("9101")},
		{[]any{"containers", 0, "ports", 2}, json.Number("19102")},
		{[]any{"initContainers", 0, "ports", 0}, json.Number("8080")},
	} {
		if got := fixture.At(spec, tc.path...)["hostPort"]; fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%v: hostPort %v, want %v", tc.path, got, tc.want)
		}
	}

	delete(fixture.At(ds, "spec", "template", "spec"), "hostNetwork")
	in, err = newInput(t, ds, "CREATE")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := fixture.At(native(t, in.Pod), "spec", "containers", 0, "ports", 0)["hostPort"]; ok {
		t.Errorf("without hostNetwork the hostPort became %v", got)
	}
}

// TestNewInputDefaultsPodLevelRequestsFromLimits: pod-level spec.resources limits become its
// requests where none is set, as for containers.
func TestNewInputDefaultsPodLevelRequestsFromLimits(t *testing.T) {
	in, err := newInput(t, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a"}, "spec": map[string]any{
		"resources":  map[string]any{"limits": map[string]any{"cpu": "2", "memory": "1Gi"}, "requests": map[string]any{"cpu": "500m"}},
		"containers": []any{map[string]any{"name": "a"}},
	}}, "CREATE")
	if err != nil {
		t.Fatal(err)
	}
	requests := fixture.At(native(t, in.Pod), "spec", "resources", "requests")
	if requests["cpu"] != "500m" || requests["memory"] != "1Gi" {
		t.Errorf("pod-level requests %v, want cpu 500m (kept) and memory 1Gi (from limits)", requests)
	}
}

// TestNewInputRefusesWhatItCannotDefault: a field podpolicy defaults from, of the wrong shape,
// is an error naming its path, never judged as written.
func TestNewInputRefusesWhatItCannotDefault(t *testing.T) {
	for _, tc := range []struct {
		spec map[string]any
		want string
	}{
		{map[string]any{"hostNetwork": "true", "containers": []any{}}, "spec.hostNetwork: expected a boolean, got a string"},
		{map[string]any{"hostNetwork": true, "containers": []any{map[string]any{"name": "a", "ports": []any{map[string]any{"containerPort": "9100"}}}}},
			"spec.containers[0].ports[0].containerPort: expected a number, got a string: under hostNetwork the API server sets hostPort to it"},
		{map[string]any{"resources": "2 cpus", "containers": []any{}}, "spec.resources: expected an object, got a string"},
		{map[string]any{"resources": map[string]any{"limits": []any{}}, "containers": []any{}}, "spec.resources.limits: expected an object, got a list"},
	} {
		_, err := newInput(t, map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "a"}, "spec": tc.spec}, "CREATE")
		var fe *FieldError
		if !errors.As(err, &fe) || err.Error() != tc.want {
			t.Errorf("%v: error %v, want %q", tc.spec, err, tc.want)
		}
	}
}

// TestNewInputRefusesWorkloadsAtVersionsNoLongerServed: a Deployment of extensions/v1beta1
// (or another removed version) would be refused by the API server; it is an input error
// naming the served version, not an object of another kind skipped.
func TestNewInputRefusesWorkloadsAtVersionsNoLongerServed(t *testing.T) {
	for _, tc := range []struct{ apiVersion, kind, want string }{
		{"extensions/v1beta1", "Deployment", "apiVersion: extensions/v1beta1 Deployment is no longer served (removed in Kubernetes 1.16); use apiVersion apps/v1"},
		{"extensions/v1beta1", "DaemonSet", "apiVersion: extensions/v1beta1 DaemonSet is no longer served (removed in Kubernetes 1.16); use apiVersion apps/v1"},
		{"apps/v1beta2", "StatefulSet", "apiVersion: apps/v1beta2 StatefulSet is no longer served (removed in Kubernetes 1.16); use apiVersion apps/v1"},
		{"batch/v1beta1", "CronJob", "apiVersion: batch/v1beta1 CronJob is no longer served (removed in Kubernetes 1.25); use apiVersion batch/v1"},
		{"apps/v2", "Deployment", "apiVersion: apps/v2 Deployment is not served; use apiVersion apps/v1"},
		{"v2", "Pod", "apiVersion: v2 Pod is not served; use apiVersion v1"},
	} {
		_, err := newInput(t, map[string]any{"apiVersion": tc.apiVersion, "kind": tc.kind, "metadata": map[string]any{"name": "a"}}, "CREATE")
		var fe *FieldError
		if !errors.As(err, &fe) || err.Error() != tc.want {
			t.Errorf("%s %s: error %v, want %q", tc.apiVersion, tc.kind, err, tc.want)
		}
	}
	// A kind of the same name in another group is another kind, and is skipped.
	_, err := newInput(t, map[string]any{"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": map[string]any{"name": "a"}}, "CREATE")
	if !errors.Is(err, ErrUnsupportedKind) {
		t.Errorf("example.com/v1 Deployment: %v, want it skipped", err)
	}
}

// newInput normalises obj as check and serve do: as JSON, decoded by Decode.
func newInput(t testing.TB, obj map[string]any, operation string) (*Input, error) {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := NewInputs(decoded, operation, kinds.BuiltinTable())
	if err != nil {
		return nil, err
	}
	return ins[0], nil
}
