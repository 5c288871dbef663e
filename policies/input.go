package policies

import (
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// Input is a Kubernetes object normalised for evaluation: the Pod itself, or the pod template
// of a workload, with the defaulting the rules depend on applied.
type Input struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	// Operation is the admission operation: CREATE, UPDATE, DELETE or CONNECT.
	Operation string
	// SpecPath locates the pod spec in the object the user wrote, e.g. spec.template.spec.
	SpecPath string
	// Pod holds the metadata and spec of the Pod, or of a workload's pod template, as the
	// OPA values the policies read.
	Pod ast.Object
	// NamespaceLabels are the labels of the object's Namespace, when known.
	NamespaceLabels map[string]string
}

// workload locates the pod template inside an object of a supported kind.
type workload struct {
	group    string
	template []string
}

// workloads are the kinds podpolicy evaluates, by kind, with the API group they must belong to
// and the path of their pod template (none for a Pod).
var workloads = map[string]workload{
	"Pod":                   {group: "", template: nil},
	"ReplicationController": {group: "", template: []string{"spec", "template"}},
	"Deployment":            {group: "apps", template: []string{"spec", "template"}},
	"StatefulSet":           {group: "apps", template: []string{"spec", "template"}},
	"DaemonSet":             {group: "apps", template: []string{"spec", "template"}},
	"ReplicaSet":            {group: "apps", template: []string{"spec", "template"}},
	"Job":                   {group: "batch", template: []string{"spec", "template"}},
	"CronJob":               {group: "batch", template: []string{"spec", "jobTemplate", "spec", "template"}},
}

// FieldError is a field of the object that does not have the shape the API requires.
type FieldError struct {
	// Path is the field path in the object, e.g. spec.containers[0].ports.
	Path   string
	Detail string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Detail }

func fieldError(path, format string, args ...any) error {
	return &FieldError{Path: path, Detail: fmt.Sprintf(format, args...)}
}

// ErrUnsupportedKind is returned by NewInput for an object podpolicy does not evaluate.
var ErrUnsupportedKind = errors.New("kind is not evaluated by podpolicy")

// Supported reports whether podpolicy evaluates objects of this apiVersion and kind.
func Supported(apiVersion, kind string) bool {
	w, ok := workloads[kind]
	return ok && groupOf(apiVersion) == w.group
}

func groupOf(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// NewInput normalises a decoded object for evaluation. It takes ownership of obj. Fields of
// the wrong type are reported with their path; a missing pod spec is not an error (the rules
// report what it lacks).
func NewInput(obj map[string]any, operation string) (*Input, error) {
	dropUnread(obj)
	value, err := ast.InterfaceToValue(obj)
	if err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
	return NewInputFromValue(value.(ast.Object), operation)
}

// NewInputFromValue normalises an object already decoded into OPA values with DecodeOptions
// (null fields and IgnoredFields left out): the webhook decodes a request's object once,
// straight into the values the policies read. It takes ownership of obj: defaults are written
// into it.
func NewInputFromValue(obj ast.Object, operation string) (*Input, error) {
	in := &Input{Operation: operation}
	var err error
	if in.APIVersion, err = stringField(obj, "apiVersion", "apiVersion"); err != nil {
		return nil, err
	}
	if in.Kind, err = stringField(obj, "kind", "kind"); err != nil {
		return nil, err
	}
	if in.Kind == "" {
		return nil, fieldError("kind", "the object has no kind")
	}
	if !Supported(in.APIVersion, in.Kind) {
		return nil, fmt.Errorf("%s %s: %w", in.APIVersion, in.Kind, ErrUnsupportedKind)
	}
	meta, err := mapField(obj, "metadata", "metadata")
	if err != nil {
		return nil, err
	}
	if in.Name, err = stringField(meta, "name", "metadata.name"); err != nil {
		return nil, err
	}
	if in.Name == "" {
		generated, _ := stringField(meta, "generateName", "metadata.generateName")
		in.Name = generated
	}
	if in.Namespace, err = stringField(meta, "namespace", "metadata.namespace"); err != nil {
		return nil, err
	}

	podMeta, spec, specPath, err := podOf(obj, meta, workloads[in.Kind].template)
	if err != nil {
		return nil, err
	}
	in.SpecPath = specPath
	if err := applyDefaults(in.Kind, spec, specPath); err != nil {
		return nil, err
	}
	in.Pod = ast.NewObject(
		[2]*ast.Term{astjson.Key("metadata"), ast.NewTerm(podMeta)},
		[2]*ast.Term{astjson.Key("spec"), ast.NewTerm(spec)},
	)
	return in, nil
}

// PodMetadata returns a field of the pod's metadata; nil when it is not set.
func (in *Input) PodMetadata(key string) ast.Value {
	meta, _ := valueAt(in.Pod, "metadata").(ast.Object)
	return valueAt(meta, key)
}

// podOf returns the pod metadata and spec of obj, and the path of the spec.
func podOf(obj, meta ast.Object, template []string) (ast.Object, ast.Object, string, error) {
	holder, path := obj, ""
	for _, key := range template {
		path = joinField(path, key)
		next, err := mapField(holder, key, path)
		if err != nil {
			return nil, nil, "", err
		}
		holder = next
	}
	if len(template) > 0 {
		var err error
		if meta, err = mapField(holder, "metadata", joinField(path, "metadata")); err != nil {
			return nil, nil, "", err
		}
	}
	specPath := joinField(path, "spec")
	spec, err := mapField(holder, "spec", specPath)
	if err != nil {
		return nil, nil, "", err
	}
	return meta, spec, specPath, nil
}

// valueAt returns obj[key]; nil when obj is nil or has no such key.
func valueAt(obj ast.Object, key string) ast.Value {
	if obj == nil {
		return nil
	}
	if t := obj.Get(astjson.Key(key)); t != nil {
		return t.Value
	}
	return nil
}

// mapField returns obj[key] as an object, creating an empty one when it is missing or null.
func mapField(obj ast.Object, key, path string) (ast.Object, error) {
	switch v := valueAt(obj, key).(type) {
	case ast.Object:
		return v, nil
	case nil, ast.Null:
		created := ast.NewObject()
		obj.Insert(astjson.Key(key), ast.NewTerm(created))
		return created, nil
	default:
		return nil, fieldError(path, "expected an object, got %s", astjson.TypeName(v))
	}
}

// stringField returns obj[key] as a string; "" when missing or null.
func stringField(obj ast.Object, key, path string) (string, error) {
	switch v := valueAt(obj, key).(type) {
	case ast.String:
		return string(v), nil
	case nil, ast.Null:
		return "", nil
	default:
		return "", fieldError(path, "expected a string, got %s", astjson.TypeName(v))
	}
}
