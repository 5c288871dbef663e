package normalize

import (
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
	"github.com/podpolicy/podpolicy/policies/kinds"
)

// Input is a Kubernetes object normalised for evaluation: the Pod itself, or the pod template
// of a workload, with the defaulting the rules depend on applied.
type Input struct {
	APIVersion string
	Kind       string
	Namespace  string
	// Name is the object's name; for an object that names only a generateName, that prefix
	// (Generated), which the API server completes with random characters.
	Name      string
	Generated bool
	// GenerateName is the object's metadata.generateName: the prefix the API server made (or
	// will make) its name from.
	GenerateName string
	// Operation is the admission operation: CREATE, UPDATE, DELETE or CONNECT.
	Operation string
	// SpecPath locates the pod spec in the object the user wrote, e.g. spec.template.spec.
	SpecPath string
	// Pod holds the metadata and spec of the Pod, or of a workload's pod template, as the
	// OPA values the policies read.
	Pod ast.Object
	// Metadata is the object's own metadata (a Pod's, or the workload's rather than its
	// template's).
	Metadata ast.Object
	// NamespaceLabels are the labels of the object's Namespace, when known.
	NamespaceLabels map[string]string
	// Owners are the names of the controllers above the object (a Pod's ReplicaSet and its
	// Deployment), verified by the caller through their ownerReferences: an exception naming
	// one of them covers the object.
	Owners []string
}

// removedVersions are the API versions the workload kinds were once served at, with the
// Kubernetes release that stopped serving them.
var removedVersions = map[string]string{
	"extensions/v1beta1": "1.16",
	"apps/v1beta1":       "1.16",
	"apps/v1beta2":       "1.16",
	"batch/v1beta1":      "1.25",
	"batch/v2alpha1":     "1.21",
}

// ErrUnsupportedKind is returned by NewInput for an object podpolicy does not evaluate.
var ErrUnsupportedKind = errors.New("kind is not evaluated by podpolicy")

// Supported reports whether podpolicy evaluates objects of this apiVersion and kind.
func Supported(apiVersion, kind string) bool {
	k := kinds.Lookup(kind)
	return k != nil && k.APIVersion() == apiVersion
}

// unserved returns the error for a workload kind at an apiVersion of its own group (or of
// extensions, where Deployments once were) that the API server does not serve: such a manifest
// would be refused, it is not an object of another kind to skip. nil for anything else.
func unserved(apiVersion, kind string) error {
	k := kinds.Lookup(kind)
	if k == nil || k.APIVersion() == apiVersion {
		return nil
	}
	group := groupOf(apiVersion)
	if release, removed := removedVersions[apiVersion]; removed && (group == k.Group || group == "extensions") {
		return fieldError("apiVersion", "%s %s is no longer served (removed in Kubernetes %s); use apiVersion %s", apiVersion, kind, release, k.APIVersion())
	}
	if group == k.Group {
		return fieldError("apiVersion", "%s %s is not served; use apiVersion %s", apiVersion, kind, k.APIVersion())
	}
	return nil
}

// groupOf is the API group of an apiVersion: "" for the core group (v1).
func groupOf(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// NewInput normalises an object decoded with Decode (or with DecodeOptions, as part of an
// AdmissionReview). It takes ownership of obj: defaults are written into it. Fields of the
// wrong type are reported as a *FieldError with their path; a missing pod spec is not an
// error (the rules report what it lacks).
func NewInput(obj ast.Object, operation string) (*Input, error) {
	in := &Input{Operation: operation}
	var r Reader
	in.APIVersion = r.String(obj, "apiVersion", "")
	in.Kind = r.String(obj, "kind", "")
	if r.Err != nil {
		return nil, r.Err
	}
	if in.Kind == "" {
		return nil, fieldError("kind", "the object has no kind")
	}
	if err := unserved(in.APIVersion, in.Kind); err != nil {
		return nil, err
	}
	if !Supported(in.APIVersion, in.Kind) {
		return nil, fmt.Errorf("%s %s: %w", in.APIVersion, in.Kind, ErrUnsupportedKind)
	}
	meta, err := mapField(obj, "metadata", "metadata")
	if err != nil {
		return nil, err
	}
	in.Name = r.String(meta, "name", "metadata")
	in.GenerateName = r.String(meta, "generateName", "metadata")
	if in.Name == "" && in.GenerateName != "" {
		in.Name, in.Generated = in.GenerateName, true
	}
	in.Namespace = r.String(meta, "namespace", "metadata")
	if r.Err != nil {
		return nil, r.Err
	}

	in.Metadata = meta
	podMeta, spec, specPath, err := podOf(obj, meta, kinds.Lookup(in.Kind).TemplatePath())
	if err != nil {
		return nil, err
	}
	in.SpecPath = specPath
	if err := applyDefaults(in.Kind, spec, specPath); err != nil {
		return nil, err
	}
	syncAppArmorAnnotations(podMeta, spec)
	in.Pod = ast.NewObject(
		[2]*ast.Term{astjson.Key("metadata"), ast.NewTerm(podMeta)},
		[2]*ast.Term{astjson.Key("spec"), ast.NewTerm(spec)},
	)
	return in, nil
}

// PodMetadata returns a field of the pod's metadata; nil when it is not set.
func (in *Input) PodMetadata(key string) ast.Value {
	meta, _ := Value(in.Pod, "metadata").(ast.Object)
	return Value(meta, key)
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

// ObjectPath turns a path relative to the pod spec (as rules report them) into one relative to
// the object the user wrote. A path under "metadata" (a field PodSpec does not have) is the
// pod's own metadata.
func (in *Input) ObjectPath(rel string) string {
	if rel == "metadata" || strings.HasPrefix(rel, "metadata.") {
		return joinField(strings.TrimSuffix(strings.TrimSuffix(in.SpecPath, "spec"), "."), rel)
	}
	return joinField(in.SpecPath, rel)
}
