package policies

import (
	"errors"
	"fmt"
	"strings"
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
	// Pod holds the metadata and spec of the Pod, or of a workload's pod template.
	Pod map[string]any
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

// NewInput normalises a decoded object for evaluation. It takes ownership of obj: defaults are
// written into it. Fields of the wrong type are reported with their path; a missing pod spec is
// not an error (the rules report what it lacks).
func NewInput(obj map[string]any, operation string) (*Input, error) {
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
		generated, _ := meta["generateName"].(string)
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
	in.Pod = map[string]any{"metadata": podMeta, "spec": spec}
	return in, nil
}

// podOf walks the template path of a workload (none for a Pod) and returns the pod's metadata,
// its spec and the spec's path. Missing levels are created empty.
func podOf(obj, meta map[string]any, template []string) (map[string]any, map[string]any, string, error) {
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

// mapField returns m[key] as an object, creating an empty one when it is missing or null.
func mapField(m map[string]any, key, path string) (map[string]any, error) {
	switch v := m[key].(type) {
	case map[string]any:
		return v, nil
	case nil:
		created := map[string]any{}
		m[key] = created
		return created, nil
	default:
		return nil, fieldError(path, "expected an object, got %s", typeName(v))
	}
}

// stringField returns m[key] as a string; "" when missing or null.
func stringField(m map[string]any, key, path string) (string, error) {
	switch v := m[key].(type) {
	case string:
		return v, nil
	case nil:
		return "", nil
	default:
		return "", fieldError(path, "expected a string, got %s", typeName(v))
	}
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	default:
		return "a number"
	}
}
