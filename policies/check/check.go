// Package check evaluates manifests offline, as `podpolicy check` does, and renders the
// outcome as text, JSON or SARIF. It runs the same normalisation and engine as the webhook.
package check

import (
	"context"
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/manifest"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// Operation is the admission operation manifests are checked as: what `kubectl apply` of a
// new object sends.
const Operation = "CREATE"

// ObjectResult is the outcome for one evaluated object.
type ObjectResult struct {
	Source     string               `json:"source"`
	APIVersion string               `json:"apiVersion"`
	Kind       string               `json:"kind"`
	Namespace  string               `json:"namespace"`
	Name       string               `json:"name"`
	Exempt     bool                 `json:"exempt,omitempty"`
	Violations []policies.Violation `json:"violations"`
	Mutations  []policies.Mutation  `json:"mutations"`
	doc        *manifest.Document
}

// Skipped is an object of a kind podpolicy does not evaluate.
type Skipped struct {
	Source     string `json:"source"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// Summary counts the objects evaluated, denied (at least one deny violation) and warned (at
// least one warn violation).
type Summary struct {
	Objects int `json:"objects"`
	Denied  int `json:"denied"`
	Warned  int `json:"warned"`
}

// Report is the outcome of a check run.
type Report struct {
	// Evaluator is how the policies ran: compiled, or topdown when the compiled evaluator
	// refused the policy set.
	Evaluator policies.Evaluator `json:"evaluator"`
	// EvaluatorFallback says why the policies ran on topdown although the compiled evaluator
	// was wanted.
	EvaluatorFallback string         `json:"evaluatorFallback,omitempty"`
	Results           []ObjectResult `json:"results"`
	Skipped           []Skipped      `json:"skipped,omitempty"`
	// Errors are inputs that could not be read or judged, each naming file and line.
	Errors  []error `json:"-"`
	Summary Summary `json:"summary"`
}

// Exit codes of `podpolicy check`.
const (
	ExitOK     = 0
	ExitDenied = 1
	ExitError  = 2
)

// ExitCode returns 2 when an input could not be read or judged, else 1 when an object is
// denied, else 0.
func (r *Report) ExitCode() int {
	switch {
	case len(r.Errors) > 0:
		return ExitError
	case r.Summary.Denied > 0:
		return ExitDenied
	default:
		return ExitOK
	}
}

// Run evaluates every document with the engine. readErrs, the errors of reading the inputs,
// are carried into the report so the run can report them alongside the verdicts. Each
// document is decoded and normalised as the webhook decodes an AdmissionReview's object.
func Run(ctx context.Context, engine *policies.Engine, docs []manifest.Document, readErrs []error) *Report {
	return RunInNamespace(ctx, engine, docs, readErrs, DefaultNamespace)
}

// DefaultNamespace is the namespace of an object that names none, as kubectl applies it.
const DefaultNamespace = "default"

// RunInNamespace is Run, judging objects that name no namespace as objects of namespace (the
// one helm or kubectl would create them in).
func RunInNamespace(ctx context.Context, engine *policies.Engine, docs []manifest.Document, readErrs []error, namespace string) *Report {
	r := &Report{Errors: append([]error(nil), readErrs...), Results: []ObjectResult{}, Evaluator: engine.Evaluator(), EvaluatorFallback: engine.EvaluatorFallback()}
	for i := range docs {
		doc := &docs[i]
		obj, err := normalize.Decode(doc.JSON)
		if err != nil {
			r.Errors = append(r.Errors, &manifest.InputError{File: doc.File, Line: doc.Line, Err: err})
			continue
		}
		identity := skippedOf(doc, obj)
		in, err := normalize.NewInput(obj, Operation)
		if errors.Is(err, normalize.ErrUnsupportedKind) {
			if err := unknownKind(identity.APIVersion, identity.Kind); err != nil {
				r.Errors = append(r.Errors, &manifest.InputError{File: doc.File, Line: doc.LineOf("kind"), Err: err})
				continue
			}
			r.Skipped = append(r.Skipped, identity)
			continue
		}
		if err != nil {
			r.Errors = append(r.Errors, inputError(doc, err))
			continue
		}
		if in.Namespace == "" {
			in.Namespace = namespace
		}
		result, err := engine.Evaluate(ctx, in, policies.Validate|policies.Mutate)
		if err != nil {
			r.Errors = append(r.Errors, &manifest.InputError{File: doc.File, Line: doc.Line, Err: err})
			continue
		}
		r.add(doc, in, result)
	}
	return r
}

func (r *Report) add(doc *manifest.Document, in *normalize.Input, result *policies.Result) {
	obj := ObjectResult{
		Source: doc.Source, APIVersion: in.APIVersion, Kind: in.Kind, Namespace: in.Namespace, Name: in.Name,
		Exempt: result.Exempt, Violations: result.Violations, Mutations: result.Mutations, doc: doc,
	}
	if obj.Violations == nil {
		obj.Violations = []policies.Violation{}
	}
	if obj.Mutations == nil {
		obj.Mutations = []policies.Mutation{}
	}
	r.Results = append(r.Results, obj)
	r.Summary.Objects++
	if len(result.WithAction(policies.Deny)) > 0 {
		r.Summary.Denied++
	}
	if len(result.WithAction(policies.Warn)) > 0 {
		r.Summary.Warned++
	}
}

// skippedOf names an object by its apiVersion, kind and name, as far as they are strings.
func skippedOf(doc *manifest.Document, obj ast.Object) Skipped {
	var r normalize.Reader
	return Skipped{
		Source:     doc.Source,
		APIVersion: r.String(obj, "apiVersion", ""),
		Kind:       r.String(obj, "kind", ""),
		Name:       r.String(r.Object(obj, "metadata", ""), "name", "metadata"),
	}
}

// inputError places an object that cannot be normalised at the line of the offending field.
func inputError(doc *manifest.Document, err error) error {
	line := doc.Line
	if fe, ok := errors.AsType[*normalize.FieldError](err); ok {
		line = doc.LineOf(fe.Path)
	}
	return &manifest.InputError{File: doc.File, Line: line, Err: err}
}

// Line returns the line of a violation's field in the object's manifest.
func (o *ObjectResult) Line(v *policies.Violation) int {
	if o.doc == nil {
		return 0
	}
	return o.doc.LineOf(v.Path)
}

// File returns the file the object was read from.
func (o *ObjectResult) File() string {
	if o.doc == nil {
		return ""
	}
	return o.doc.File
}

// uri is where an object is: its file, or, for an object read from the cluster, its
// kubernetes:// address (namespace, kind and name).
func (o *ObjectResult) uri() string {
	if file := o.File(); file != "" {
		return file
	}
	return "kubernetes://" + o.Namespace + "/" + o.Kind + "/" + o.Name
}

// AddObject adds the outcome of an object that was not read from a manifest (a workload read
// from the cluster by `podpolicy audit`), counting it in the summary.
func (r *Report) AddObject(o ObjectResult) {
	if o.Violations == nil {
		o.Violations = []policies.Violation{}
	}
	if o.Mutations == nil {
		o.Mutations = []policies.Mutation{}
	}
	r.Results = append(r.Results, o)
	r.Summary.Objects++
	result := policies.Result{Violations: o.Violations}
	if len(result.WithAction(policies.Deny)) > 0 {
		r.Summary.Denied++
	}
	if len(result.WithAction(policies.Warn)) > 0 {
		r.Summary.Warned++
	}
}
