package policies

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// DefaultEvalTimeout bounds one evaluation when Options.EvalTimeout is zero. It stays well
// below the webhook's timeout so that a runaway policy fails the request (and failurePolicy
// decides) instead of the API server giving up on the call.
const DefaultEvalTimeout = 2 * time.Second

// Options configure an Engine.
type Options struct {
	// PolicyDirs hold extra Rego files, laid over the embedded library in order.
	PolicyDirs []string
	// ConfigFile is the config file (see the README's Configuration section); empty for the
	// defaults.
	ConfigFile string
	// EvalTimeout bounds one evaluation; DefaultEvalTimeout when zero.
	EvalTimeout time.Duration
	// Evaluator selects how the library runs: Auto (the default), Compiled or Topdown.
	Evaluator Evaluator
	// Now returns the current time, for exception expiry; time.Now when nil.
	Now func() time.Time
}

// Phase selects what Evaluate computes.
type Phase int

// Phases of an evaluation; combine them with |.
const (
	// Validate computes violations.
	Validate Phase = 1 << iota
	// Mutate computes mutations (Pods at CREATE only).
	Mutate
)

// Engine evaluates the policy library. It is safe for concurrent use; Reload swaps the policies
// and config atomically, so an evaluation always sees one consistent set.
type Engine struct {
	opts    Options
	current atomic.Pointer[policySet]
}

// policySet is one compiled generation of policies and config.
type policySet struct {
	catalog *catalog
	config  *Config
	queries
}

// New loads, compiles and prepares the policies and config of opts.
func New(ctx context.Context, opts Options) (*Engine, error) {
	if opts.EvalTimeout <= 0 {
		opts.EvalTimeout = DefaultEvalTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Engine{opts: opts}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Reload reads the policies and config again. When they fail to load or compile, the engine
// keeps serving the previous set and the error says what failed, with file and line.
func (e *Engine) Reload(ctx context.Context) error {
	set, _, err := build(ctx, e.opts)
	if err != nil {
		return err
	}
	e.current.Store(set)
	return nil
}

// Rules returns the metadata of the loaded rules, sorted by ID.
func (e *Engine) Rules() []Rule { return e.current.Load().catalog.sorted() }

// Evaluator returns how the policies in force run: Compiled or Topdown.
func (e *Engine) Evaluator() Evaluator { return e.current.Load().evaluator }

// EvaluatorFallback says why the policies in force run on topdown although the compiled
// evaluator was wanted (Auto); empty when they run as asked.
func (e *Engine) EvaluatorFallback() string { return e.current.Load().fallback }

// Config returns the config in force.
func (e *Engine) Config() *Config { return e.current.Load().config }

// build loads, compiles and prepares one policy set; it also returns the parsed library,
// whose test modules `podpolicy test` runs.
func build(ctx context.Context, opts Options) (*policySet, *library, error) {
	lib, err := loadLibrary(opts.PolicyDirs)
	if err != nil {
		return nil, nil, err
	}
	compiler := ast.NewCompiler().WithStrict(true)
	if compiler.Compile(lib.modules); compiler.Failed() {
		return nil, nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}
	cat, err := newCatalog(compiler)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := loadConfig(opts.ConfigFile, cat)
	if err != nil {
		return nil, nil, err
	}
	data := map[string]any{"podpolicy": map[string]any{"config": cfg.data}}
	set := &policySet{catalog: cat, config: cfg}
	if set.queries, err = prepareQueries(ctx, compiler, data, opts.Evaluator); err != nil {
		return nil, nil, err
	}
	return set, lib, nil
}

// Evaluate runs the library on one normalised object. An error means the object could not be
// judged; callers must never treat it as "no violations".
func (e *Engine) Evaluate(ctx context.Context, in *normalize.Input, phases Phase) (*Result, error) {
	set := e.current.Load()
	if set.config.Exempt(in.Namespace) {
		return &Result{Exempt: true}, nil
	}
	value, err := inputValue(in)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.EvalTimeout)
	defer cancel()

	result := &Result{}
	if phases&Validate != 0 {
		found, err := set.validate.eval(ctx, value)
		if err != nil {
			return nil, fmt.Errorf("evaluate validation rules: %w", err)
		}
		if result.Violations, result.Excepted, err = set.violations(found, in, e.opts.Now()); err != nil {
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
		for _, kind := range normalize.Kinds() {
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

// inputValue builds the Rego input document of an Input.
func inputValue(in *normalize.Input) (ast.Value, error) {
	labels := make([][2]*ast.Term, 0, len(in.NamespaceLabels))
	for k, v := range in.NamespaceLabels {
		labels = append(labels, [2]*ast.Term{ast.StringTerm(k), ast.StringTerm(v)})
	}
	return ast.NewObject(
		[2]*ast.Term{astjson.Key("kind"), inputString(in.Kind)},
		[2]*ast.Term{astjson.Key("operation"), inputString(in.Operation)},
		[2]*ast.Term{astjson.Key("namespace"), ast.StringTerm(in.Namespace)},
		[2]*ast.Term{podKey, ast.NewTerm(in.Pod)},
		[2]*ast.Term{namespaceLabelsKey, ast.NewTerm(ast.NewObject(labels...))},
	), nil
}
