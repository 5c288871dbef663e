package policies

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/library"
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
	// ParseConfig, when set, reads the config instead of ConfigFile, against the schema of the
	// loaded rules: podpolicy test's cases carry their config inside their own file.
	ParseConfig func(config.Schema) (*config.Config, error)
	// EvalTimeout bounds one evaluation; DefaultEvalTimeout when zero.
	EvalTimeout time.Duration
	// Evaluator selects how the library runs: Auto (the default), Compiled or Topdown.
	Evaluator Evaluator
	// Tracer, when set, sees every evaluation that runs on OPA's topdown (podpolicy test
	// collects the coverage of its cases with it).
	Tracer topdown.QueryTracer
	// Now returns the current time, for dated enforcement and exception expiry; time.Now when
	// nil. A Context's At overrides it for one object.
	Now func() time.Time
	// DecisionCache keeps the compiled evaluator's memory of results (cachedQuery), for a
	// server that judges the many Pods a controller makes from one template. Off for the
	// commands that judge each object once (check, post-render, a one-shot audit), where it
	// would only keep 128 inputs alive for the collector to scan.
	DecisionCache bool

	// decisions counts the decision caches' work across every policy set of the engine; nil
	// without a cache.
	decisions *decisionStats
}

// Engine evaluates the policy library. It is safe for concurrent use; Reload swaps the policies
// and config atomically, so an evaluation always sees one consistent set.
type Engine struct {
	opts    Options
	current atomic.Pointer[policySet]
}

// policySet is one compiled generation of policies and config.
type policySet struct {
	catalog *library.Catalog
	config  *config.Config
	// library is the compiled library, which WithConfig prepares under another config.
	library *compiledLibrary
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
	if opts.DecisionCache {
		opts.decisions = &decisionStats{}
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
	set, err := build(ctx, e.opts)
	if err != nil {
		return err
	}
	e.current.Store(set)
	return nil
}

// Rules returns the metadata of the loaded rules, sorted by ID.
func (e *Engine) Rules() []library.Rule { return e.current.Load().catalog.Sorted() }

// Evaluator returns how the policies in force run: Compiled or Topdown.
func (e *Engine) Evaluator() Evaluator { return e.current.Load().evaluator }

// EvaluatorFallback says why the policies in force run on topdown although the compiled
// evaluator was wanted (Auto); empty when they run as asked.
func (e *Engine) EvaluatorFallback() string { return e.current.Load().fallback }

// Config returns the config in force.
func (e *Engine) Config() *config.Config { return e.current.Load().config }

// compiledLibrary is a policy set's library, compiled: what every config of it shares.
type compiledLibrary struct {
	compiler *ast.Compiler
	catalog  *library.Catalog
	schema   config.Schema
}

// build loads, compiles and prepares one policy set.
func build(ctx context.Context, opts Options) (*policySet, error) {
	lib, err := compileLibrary(opts.PolicyDirs)
	if err != nil {
		return nil, err
	}
	return lib.prepare(ctx, opts)
}

// compileLibrary loads and compiles the library with dirs laid over it.
func compileLibrary(dirs []string) (*compiledLibrary, error) {
	lib, err := library.LoadPolicies(dirs)
	if err != nil {
		return nil, err
	}
	compiler, cat, err := lib.Compile()
	if err != nil {
		return nil, err
	}
	schema, err := config.BuiltinSchema(cat.IDs())
	if err != nil {
		return nil, err
	}
	schema.RuleSettings = cat.Settings()
	return &compiledLibrary{compiler: compiler, catalog: cat, schema: schema}, nil
}

// prepare reads the config of opts and prepares the library's queries under it.
func (l *compiledLibrary) prepare(ctx context.Context, opts Options) (*policySet, error) {
	load := opts.ParseConfig
	if load == nil {
		load = func(schema config.Schema) (*config.Config, error) { return config.Load(opts.ConfigFile, schema) }
	}
	cfg, err := load(l.schema)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"podpolicy": map[string]any{"config": cfg.Data()}}
	set := &policySet{catalog: l.catalog, config: cfg, library: l}
	if set.queries, err = prepareQueries(ctx, l.compiler, data, opts.Evaluator, opts.decisions); err != nil {
		return nil, err
	}
	if opts.Tracer != nil {
		set.traceWith(opts.Tracer)
	}
	return set, nil
}

// WithConfig returns an engine of the policies in force under another config, which parse
// reads against their schema, without compiling them again: podpolicy test judges each case
// under its own config.
func (e *Engine) WithConfig(ctx context.Context, parse func(config.Schema) (*config.Config, error)) (*Engine, error) {
	opts := e.opts
	opts.ConfigFile, opts.ParseConfig = "", parse
	set, err := e.current.Load().library.prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	other := &Engine{opts: opts}
	other.current.Store(set)
	return other, nil
}
