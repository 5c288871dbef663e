package policies

import (
	"context"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// Phase selects what an evaluation computes.
type Phase int

// Phases of an evaluation; combine them with |.
const (
	// Validate computes violations.
	Validate Phase = 1 << iota
	// Mutate computes mutations (Pods at CREATE only).
	Mutate
)

// evaluate runs the library of set on one normalised object at now. An error means the object
// could not be judged; callers must never treat it as "no violations".
func (e *Engine) evaluate(ctx context.Context, set *policySet, in *normalize.Input, phases Phase, now time.Time) (*Result, error) {
	value := inputValue(in)
	ctx, cancel := context.WithTimeout(ctx, e.opts.EvalTimeout)
	defer cancel()

	result := &Result{}
	if phases&Validate != 0 {
		found, err := set.validate.eval(ctx, value)
		if err != nil {
			return nil, fmt.Errorf("evaluate validation rules: %w", err)
		}
		if result.Violations, result.Excepted, err = set.violations(found, in, now); err != nil {
			return nil, err
		}
	}
	if phases&Mutate != 0 {
		found, err := set.mutate.eval(ctx, value)
		if err != nil {
			return nil, fmt.Errorf("evaluate mutation rules: %w", err)
		}
		if result.Mutations, err = set.mutations(found); err != nil {
			return nil, err
		}
	}
	return result, nil
}

// The input document's keys, and the kinds and operations it names, as shared terms: they
// are the same in every request.
var (
	podKey             = ast.StringTerm("pod")
	namespaceLabelsKey = ast.StringTerm("namespaceLabels")
	knownInputValues   = func() map[string]*ast.Term {
		terms := map[string]*ast.Term{}
		for _, s := range []string{"CREATE", "UPDATE", "DELETE"} {
			terms[s] = ast.StringTerm(s)
		}
		for _, kind := range kinds.Names() {
			terms[kind] = ast.StringTerm(kind)
		}
		return terms
	}()
)

// inputString is the term of a string of the input document, shared when it is a kind or an
// operation.
func inputString(s string) *ast.Term {
	if t, ok := knownInputValues[s]; ok {
		return t
	}
	return ast.StringTerm(s)
}

// inputValue builds the Rego input document of an Input: the object's kind, operation,
// namespace and its labels, its own name ("" until the API server makes it of its
// generateName) and generateName, whether its Pods run to completion, and the pod.
func inputValue(in *normalize.Input) ast.Value {
	labels := make([][2]*ast.Term, 0, len(in.NamespaceLabels))
	for k, v := range in.NamespaceLabels {
		labels = append(labels, [2]*ast.Term{ast.StringTerm(k), ast.StringTerm(v)})
	}
	name := in.Name
	if in.Generated {
		name = ""
	}
	return ast.NewObject(
		[2]*ast.Term{astjson.Key("kind"), inputString(in.Kind)},
		[2]*ast.Term{astjson.Key("operation"), inputString(in.Operation)},
		[2]*ast.Term{astjson.Key("namespace"), ast.StringTerm(in.Namespace)},
		[2]*ast.Term{astjson.Key("name"), ast.StringTerm(name)},
		[2]*ast.Term{astjson.Key("generateName"), ast.StringTerm(in.GenerateName)},
		[2]*ast.Term{astjson.Key("runsToCompletion"), ast.InternedTerm(in.RunsToCompletion)},
		[2]*ast.Term{podKey, ast.NewTerm(in.Pod)},
		[2]*ast.Term{namespaceLabelsKey, ast.NewTerm(ast.NewObject(labels...))},
	)
}
