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
	// TemplatePath is the path of the pod template the Input holds in the object the user
	// wrote, with its indexes and keys (spec.workerGroupSpecs[1].template); "" for a Pod.
	TemplatePath string
	// RunsToCompletion says the object's Pods run to completion (a Job's): their restartPolicy
	// is not defaulted to Always, and rules do not expect probes of them.
	RunsToCompletion bool
	// NoTemplate says why an object of a configured kind was not judged: it holds no pod
	// template at any of its kind's paths. Pod is nil then.
	NoTemplate *NoTemplate
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

// ErrUnsupportedKind is returned by NewInputs for an object podpolicy does not evaluate.
var ErrUnsupportedKind = errors.New("kind is not evaluated by podpolicy")

// unserved returns the error for a built-in workload kind at an apiVersion of its own group
// (or of extensions, where Deployments once were) that the API server does not serve: such a
// manifest would be refused, it is not an object of another kind to skip. nil for anything
// else.
func unserved(apiVersion, kind string) error {
	group := kinds.GroupOf(apiVersion)
	k := kinds.BuiltinKind(group, kind)
	if k == nil && group == "extensions" {
		k = kinds.BuiltinKind("apps", kind)
	}
	if k == nil || k.APIVersion() == apiVersion {
		return nil
	}
	if release, removed := removedVersions[apiVersion]; removed {
		return fieldError("apiVersion", "%s %s is no longer served (removed in Kubernetes %s); use apiVersion %s", apiVersion, kind, release, k.APIVersion())
	}
	if group == k.Group {
		return fieldError("apiVersion", "%s %s is not served; use apiVersion %s", apiVersion, kind, k.APIVersion())
	}
	return nil
}

// NewInputs normalises an object decoded with Decode (or with DecodeOptions, as part of an
// AdmissionReview), of a kind of table, into one Input per pod template it holds: a Pod is its
// own, a Deployment has one, a RayCluster one for its head and one for each worker group. An
// object of a configured kind that holds none at any of its kind's paths gives one Input
// without a Pod, whose NoTemplate says so. NewInputs takes ownership of obj: defaults are
// written into it. Fields of the wrong type, and a template path that holds something else
// than a pod template, are reported as a *FieldError with their path; a built-in workload's
// missing pod spec is not an error (the rules report what it lacks).
func NewInputs(obj ast.Object, operation string, table *kinds.Table) ([]*Input, error) {
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
	k := table.Of(in.APIVersion, in.Kind)
	if k == nil || !k.Serves(in.APIVersion) {
		return nil, fmt.Errorf("%s %s: %w", in.APIVersion, in.Kind, ErrUnsupportedKind)
	}
	in.RunsToCompletion = k.RunsToCompletion
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

	if len(k.Templates) == 0 {
		return []*Input{in}, in.setPod(meta, obj, "")
	}
	if !k.Configured {
		template, err := builtinTemplate(obj, k.Templates[0])
		if err != nil {
			return nil, err
		}
		return []*Input{in}, in.setTemplate(template, k.Templates[0].String())
	}
	if in.NoTemplate, err = templateRef(obj, k, table); in.NoTemplate != nil || err != nil {
		return []*Input{in}, err
	}
	found, err := findTemplates(obj, k.Templates)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		in.NoTemplate = &NoTemplate{Paths: templatePaths(k)}
		return []*Input{in}, nil
	}
	out := make([]*Input, len(found))
	for i, f := range found {
		each := *in
		if err := each.setTemplate(f.template, f.path); err != nil {
			return nil, err
		}
		out[i] = &each
	}
	return out, nil
}

// setTemplate makes the pod template at path (holding metadata and spec) in's Pod.
func (in *Input) setTemplate(template ast.Object, path string) error {
	meta, err := mapField(template, "metadata", joinField(path, "metadata"))
	if err != nil {
		return err
	}
	in.TemplatePath = path
	return in.setPod(meta, template, path)
}

// setPod makes the metadata podMeta and the spec of holder (the object for a Pod, its pod
// template for a workload), at path, in's Pod, with the API server's defaulting applied.
func (in *Input) setPod(podMeta, holder ast.Object, path string) error {
	specPath := joinField(path, "spec")
	spec, err := mapField(holder, "spec", specPath)
	if err != nil {
		return err
	}
	in.SpecPath = specPath
	if err := applyDefaults(in.RunsToCompletion, spec, specPath); err != nil {
		return err
	}
	syncAppArmorAnnotations(podMeta, spec)
	in.Pod = ast.NewObject(
		[2]*ast.Term{astjson.Key("metadata"), ast.NewTerm(podMeta)},
		[2]*ast.Term{astjson.Key("spec"), ast.NewTerm(spec)},
	)
	return nil
}

// builtinTemplate returns the pod template of a built-in workload at path, creating what is
// missing: the API server requires a template, and the rules report what an empty one lacks.
func builtinTemplate(obj ast.Object, path kinds.Path) (ast.Object, error) {
	holder, at := obj, ""
	for _, step := range path {
		at = joinField(at, step.Key)
		next, err := mapField(holder, step.Key, at)
		if err != nil {
			return nil, err
		}
		holder = next
	}
	return holder, nil
}

// PodMetadata returns a field of the pod's metadata; nil when it is not set.
func (in *Input) PodMetadata(key string) ast.Value {
	meta, _ := Value(in.Pod, "metadata").(ast.Object)
	return Value(meta, key)
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
