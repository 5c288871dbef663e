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

// ObjectResult is the outcome for one evaluated object.
type ObjectResult struct {
	Source     string `json:"source"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	// GenerateName is set when Name is the object's generateName: the API server completes it
	// with random characters, and exceptions' names must match every name it can make.
	GenerateName bool                 `json:"generateName,omitempty"`
	Exempt       bool                 `json:"exempt,omitempty"`
	Violations   []policies.Violation `json:"violations"`
	// Excepted are the violations exceptions waived, with the reason of each.
	Excepted  []policies.Excepted `json:"excepted,omitempty"`
	Mutations []policies.Mutation `json:"mutations"`
	// NoTemplate says why an object of a configured kind was not judged: it holds no pod
	// template (an Argo Rollout with a workloadRef runs another object's); "" when it was.
	NoTemplate string `json:"noTemplate,omitempty"`
	// file and lines place the object and each violation's field in its manifest (lines of
	// the violations, then of the excepted); they are taken when the object is judged, so that
	// its document need not be kept.
	file  string
	lines []int
	// noTemplateLine places NoTemplate: the reference it names, or where its template would be.
	noTemplateLine int
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
	r := newReport(engine)
	r.Errors = append(r.Errors, readErrs...)
	c := Context{Namespace: namespace}
	for i := range docs {
		r.add(judge(ctx, engine, &docs[i], c), true)
	}
	return r
}

func newReport(engine *policies.Engine) *Report {
	return &Report{Results: []ObjectResult{}, Evaluator: engine.Evaluator(), EvaluatorFallback: engine.EvaluatorFallback()}
}

// outcome is what judging one document gives: a result, a skipped object or an error.
type outcome struct {
	result  *ObjectResult
	skipped *Skipped
	err     error
}

// judge decodes one document as the webhook decodes an AdmissionReview's object, and judges
// it in the context `kubectl apply` of the manifest would create it in.
func judge(ctx context.Context, engine *policies.Engine, doc *manifest.Document, c Context) outcome {
	// Judging defaults fields of the object in place: the reader's object is judged once, and
	// a second judgement of the document decodes its JSON afresh.
	obj := doc.Object
	doc.Object = nil
	if obj == nil {
		data, err := doc.KubectlJSON()
		if err == nil {
			obj, err = normalize.Decode(data)
		}
		if err != nil {
			return outcome{err: &manifest.InputError{File: doc.File, Line: doc.Line, Err: err}}
		}
	}
	identity := skippedOf(doc, obj)
	verdict, err := engine.Judge(ctx, obj, c.of(obj))
	if errors.Is(err, normalize.ErrUnsupportedKind) {
		if err := unknownKind(identity.APIVersion, identity.Kind); err != nil {
			return outcome{err: &manifest.InputError{File: doc.File, Line: doc.LineOf("kind"), Err: err}}
		}
		return outcome{skipped: &identity}
	}
	if _, ok := errors.AsType[*normalize.FieldError](err); ok {
		return outcome{err: inputError(doc, err)}
	}
	if err != nil {
		return outcome{err: &manifest.InputError{File: doc.File, Line: doc.Line, Err: err}}
	}
	in := verdict.Object
	res := &ObjectResult{
		Source: doc.Source, APIVersion: in.APIVersion, Kind: in.Kind, Namespace: in.Namespace, Name: in.Name, GenerateName: in.Generated,
		Exempt: verdict.Exempt, Violations: verdict.Violations, Excepted: verdict.Excepted, Mutations: verdict.Mutations,
		file: doc.File, lines: make([]int, 0, len(verdict.Violations)+len(verdict.Excepted)),
	}
	if missing := in.NoTemplate; missing != nil {
		res.NoTemplate = missing.String()
		if missing.RefPath != "" {
			res.noTemplateLine = doc.LineOf(missing.RefPath)
		} else {
			res.noTemplateLine = doc.LineOf(missing.Paths[0])
		}
	}
	for j := range res.Violations {
		res.lines = append(res.lines, doc.LineOf(res.Violations[j].Path))
	}
	for j := range res.Excepted {
		res.lines = append(res.lines, doc.LineOf(res.Excepted[j].Path))
	}
	if res.Violations == nil {
		res.Violations = []policies.Violation{}
	}
	if res.Mutations == nil {
		res.Mutations = []policies.Mutation{}
	}
	return outcome{result: res}
}

// add counts an outcome into the report, keeping its result when keep is set.
func (r *Report) add(o outcome, keep bool) {
	switch {
	case o.err != nil:
		r.Errors = append(r.Errors, o.err)
	case o.skipped != nil:
		r.Skipped = append(r.Skipped, *o.skipped)
	default:
		if keep {
			r.AddObject(*o.result)
		} else {
			r.count(o.result)
		}
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

// Line returns the line of the j-th violation's field in the object's manifest, or 0.
func (o *ObjectResult) Line(j int) int {
	if j < len(o.lines) {
		return o.lines[j]
	}
	return 0
}

// ExceptedLine returns the line of the j-th excepted violation's field, or 0.
func (o *ObjectResult) ExceptedLine(j int) int { return o.Line(len(o.Violations) + j) }

// File returns the file the object was read from.
func (o *ObjectResult) File() string { return o.file }

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
	r.count(&o)
}

// count adds an object's verdict to the summary.
func (r *Report) count(o *ObjectResult) {
	r.Summary.Objects++
	result := policies.Result{Violations: o.Violations}
	if len(result.WithAction(policies.Deny)) > 0 {
		r.Summary.Denied++
	}
	if len(result.WithAction(policies.Warn)) > 0 {
		r.Summary.Warned++
	}
}
