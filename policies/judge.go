package policies

import (
	"context"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/normalize"
)

// Context is where and how an object is judged: what its caller knows of the object's place in
// the cluster. `podpolicy check`, `post-render`, `serve` and the audit each build one and
// call Judge; everything else is decided here, once.
type Context struct {
	// Operation is the admission operation the object is judged as: CREATE (when empty) or
	// UPDATE.
	Operation string
	// Namespace is the namespace the object is in: an admission request's, a listed object's,
	// or for a manifest its own or the one kubectl or helm would create it in. The object's
	// metadata.namespace is used when empty.
	Namespace string
	// NamespaceLabels returns the labels of Namespace; nil (or a nil map) when they are not
	// known. Judge calls it at most once, and only when the verdict depends on them: the
	// namespace's podpolicy.io/mode softens violations, and mutations copy labels.
	NamespaceLabels func() map[string]string
	// Owners are the names of the controllers above the object, verified by the caller: an
	// exception naming one of them covers the object.
	Owners []string
	// OldObject is the object before an UPDATE, decoded as the object is.
	OldObject ast.Object
	// At is the time the object is judged at (rules' enforceFrom, exceptions' expires); the
	// engine's clock when zero.
	At time.Time
	// Phases selects what is computed; Validate when zero.
	Phases Phase
}

// Verdict is what Judge decides for one object.
type Verdict struct {
	// Object is the object as it was judged: kind, name, namespace, where its (first) pod
	// spec sits. Its NoTemplate is set for an object of a configured kind that holds no pod
	// template: nothing was judged, and the verdict says so rather than that it passed.
	Object *normalize.Input
	// Templates are the object's pod templates as they were judged, one Input each (a Pod is
	// its own): a RayCluster's head and worker groups. None when Object.NoTemplate is set.
	Templates []*normalize.Input
	// Result holds the violations (after exceptions, dated actions, the UPDATE rule and the
	// namespace's mode), the excepted ones and the mutations.
	Result
	// Mode is the namespace's podpolicy.io/mode when it softened a violation.
	Mode string
	// TemplateChanged is set for an UPDATE of a workload that changes its pod template: it was
	// judged in full, as the Pods it rolls out will be.
	TemplateChanged bool
	// OldObjectUnjudged says why the old object of an UPDATE could not be judged (every
	// violation then counts as new); nil when it was, or did not need to be.
	OldObjectUnjudged error
	// Stamp is the policy set the verdict was judged under (Engine.Reusable).
	Stamp Stamp
}

// Judge decides the verdict of one object, decoded with normalize.Decode, in c: each of its pod
// templates (the kinds table of the config says where they are) with the API server's
// defaulting applied, the library evaluated, exceptions and dated actions applied,
// an UPDATE judged on what it changes (in full when it changes a workload's pod template),
// and the namespace's mode. An object of a kind podpolicy does not judge is
// normalize.ErrUnsupportedKind; a field of the wrong type a *normalize.FieldError. Any error
// means the object could not be judged, never that it passed. Judge takes ownership of obj.
func (e *Engine) Judge(ctx context.Context, obj ast.Object, c Context) (*Verdict, error) {
	operation := c.Operation
	if operation == "" {
		operation = "CREATE"
	}
	phases := c.Phases
	if phases == 0 {
		phases = Validate
	}
	set := e.current.Load()
	templates, err := normalize.NewInputs(obj, operation, set.config.Kinds)
	if err != nil {
		return nil, err
	}
	for _, in := range templates {
		if c.Namespace != "" {
			in.Namespace = c.Namespace
		}
		in.Owners = c.Owners
	}
	in := templates[0]
	v := &Verdict{Object: in, Templates: templates, Stamp: Stamp{set}}
	if in.NoTemplate != nil {
		v.Templates = nil
	}
	if operation == "UPDATE" && deleting(in) {
		return v, nil
	}
	if set.config.Exempt(in.Namespace) {
		v.Exempt = true
		return v, nil
	}
	now := c.At
	if now.IsZero() {
		now = e.opts.Now()
	}
	labels := onceLabels(c.NamespaceLabels)
	if phases&Mutate != 0 {
		if mirrorPod(in) {
			phases &^= Mutate
		} else {
			in.NamespaceLabels = labels()
		}
	}
	for _, t := range v.Templates {
		result, err := e.evaluate(ctx, set, t, phases, now)
		if err != nil {
			return nil, err
		}
		v.Result.add(result)
	}
	if operation == "UPDATE" && len(v.Violations) > 0 {
		if err := e.onlyNew(ctx, set, v, c, now); err != nil {
			return nil, err
		}
	}
	if len(v.Violations) > 0 {
		if mode := labels()[ModeLabel]; mode == string(Warn) || mode == string(Audit) {
			v.Mode, v.Violations = mode, Soften(v.Violations, mode)
		}
	}
	return v, nil
}

// onceLabels calls labels at most once, and never when it is nil.
func onceLabels(labels func() map[string]string) func() map[string]string {
	var got map[string]string
	called := false
	return func() map[string]string {
		if !called && labels != nil {
			got, called = labels(), true
		}
		return got
	}
}

// deleting reports whether a Pod is being deleted: nothing it carries can still change what
// runs, and denying its updates would only block its finalizers.
func deleting(in *normalize.Input) bool {
	return in.Kind == "Pod" && in.PodMetadata("deletionTimestamp") != nil
}

// mirrorPodAnnotation marks the API server's copy of a static Pod, which the kubelet owns:
// changing it would make the kubelet and the API server disagree.
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

// mirrorPod reports whether a Pod is a mirror Pod, which is never mutated.
func mirrorPod(in *normalize.Input) bool {
	annotations, _ := in.PodMetadata("annotations").(ast.Object)
	return annotations != nil && annotations.Get(ast.InternedTerm(mirrorPodAnnotation)) != nil
}
