package policies

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/podpolicy/podpolicy/policies/vm"
)

// Evaluator names how the engine runs the library.
type Evaluator string

const (
	// Auto runs the policies on the compiled evaluator when it accepts them, and on topdown
	// when it refuses them (a built-in it does not run, a statement it does not know). It is
	// the default: a policy set never fails to load because of the evaluator.
	Auto Evaluator = "auto"
	// Compiled runs OPA's query plan of the library (package vm), and fails to load a policy
	// set it refuses.
	Compiled Evaluator = "compiled"
	// Topdown runs the library through OPA's topdown evaluator, as `opa eval` does.
	Topdown Evaluator = "topdown"
)

// queries are the two prepared entry points of a policy set and the evaluator that runs them.
type queries struct {
	validate, mutate query
	evaluator        Evaluator
	// fallback says why the policies run on topdown when the compiled evaluator was wanted.
	fallback string
	// deterministic says both queries' results are functions of their input and the policy
	// set alone.
	deterministic bool
}

// entryPoints are the two queries every evaluation runs, both in the entry-point package.
const (
	violationsQuery = "data.podpolicy.main.violations"
	mutationsQuery  = "data.podpolicy.main.mutations"
)

// query is one prepared entry point, whatever runs it.
type query interface {
	eval(ctx context.Context, input ast.Value) (map[string]any, error)
}

// prepareQueries prepares both entry points with the requested evaluator. With Auto, a
// policy set the compiled evaluator refuses runs on topdown, and fallback says why.
func prepareQueries(ctx context.Context, compiler *ast.Compiler, data map[string]any, evaluator Evaluator, cache *decisionStats) (queries, error) {
	switch evaluator {
	case Auto, "", Compiled:
		q, err := prepareWith(ctx, compiler, data, compiledPreparer(cache))
		if err == nil {
			q.evaluator, q.deterministic = Compiled, deterministic(q.validate) && deterministic(q.mutate)
			return q, nil
		}
		if evaluator == Compiled {
			return queries{}, fmt.Errorf("%w (--evaluator=%s or %s runs them on topdown)", err, Auto, Topdown)
		}
		q, topdownErr := prepareWith(ctx, compiler, data, prepareTopdown)
		if topdownErr != nil {
			return queries{}, topdownErr
		}
		q.evaluator, q.fallback = Topdown, err.Error()
		return q, nil
	case Topdown:
		q, err := prepareWith(ctx, compiler, data, prepareTopdown)
		q.evaluator = Topdown
		return q, err
	}
	return queries{}, fmt.Errorf("unknown evaluator %q (want %s, %s or %s)", evaluator, Auto, Compiled, Topdown)
}

type prepareFunc func(ctx context.Context, compiler *ast.Compiler, data map[string]any, q string) (query, error)

func prepareWith(ctx context.Context, compiler *ast.Compiler, data map[string]any, prepare prepareFunc) (queries, error) {
	var q queries
	var err error
	if q.validate, err = prepare(ctx, compiler, data, violationsQuery); err != nil {
		return q, fmt.Errorf("prepare validation query: %w", err)
	}
	if q.mutate, err = prepare(ctx, compiler, data, mutationsQuery); err != nil {
		return q, fmt.Errorf("prepare mutation query: %w", err)
	}
	return q, nil
}

// compiledQuery runs OPA's plan of the query.
type compiledQuery struct{ program *vm.Program }

// compiledPreparer prepares a query on the compiled evaluator; with cache, a deterministic one
// remembers its results (cachedQuery), counting its work there.
func compiledPreparer(cache *decisionStats) prepareFunc {
	return func(ctx context.Context, compiler *ast.Compiler, data map[string]any, q string) (query, error) {
		plan, err := vm.Plan(ctx, compiler, q)
		if err != nil {
			return nil, err
		}
		value, err := ast.InterfaceToValue(data)
		if err != nil {
			return nil, fmt.Errorf("config as data: %w", err)
		}
		var opts []vm.Option
		if cache != nil {
			opts = append(opts, vm.Watch(watchedPaths...))
		}
		program, err := vm.Load(plan, value, opts...)
		if err != nil {
			return nil, fmt.Errorf("the compiled evaluator refuses the policies: %w", err)
		}
		if cache != nil && program.Deterministic() {
			return newCachedQuery(program, cache), nil
		}
		return compiledQuery{program}, nil
	}
}

// deterministic reports whether q's result is a function of its input and the policy set
// alone: a compiled plan calling no non-deterministic built-in. Topdown's queries are not
// analysed, so they count as not.
func deterministic(q query) bool {
	switch q := q.(type) {
	case compiledQuery:
		return q.program.Deterministic()
	case *cachedQuery:
		return q.program.Deterministic()
	}
	return false
}

func (q compiledQuery) eval(ctx context.Context, input ast.Value) (map[string]any, error) {
	result, err := q.program.Eval(ctx, input)
	if err != nil {
		return nil, err
	}
	return foundOf(result)
}

// foundOf is the entry point's result as the translation reads it; an undefined result is an
// error.
func foundOf(result *ast.Term) (map[string]any, error) {
	if result == nil {
		return nil, fmt.Errorf("entry point is undefined")
	}
	found, err := ast.JSONWithOpt(result.Value, ast.JSONOpt{SortSets: true})
	if err != nil {
		return nil, err
	}
	return asObject(found)
}

// topdownQuery runs the query through OPA's topdown evaluator.
type topdownQuery struct {
	prepared rego.PreparedEvalQuery
	// tracer, when set, sees every evaluation (podpolicy test's coverage).
	tracer topdown.QueryTracer
}

// traceWith makes the topdown queries of q report every evaluation to tracer; the compiled
// evaluator is not traced.
func (q *queries) traceWith(tracer topdown.QueryTracer) {
	for _, each := range []*query{&q.validate, &q.mutate} {
		if t, ok := (*each).(topdownQuery); ok {
			t.tracer = tracer
			*each = t
		}
	}
}

func prepareTopdown(ctx context.Context, compiler *ast.Compiler, data map[string]any, q string) (query, error) {
	store := inmem.NewFromObjectWithOpts(data, inmem.OptReturnASTValuesOnRead(true))
	prepared, err := rego.New(
		rego.Compiler(compiler),
		rego.Store(store),
		rego.Query(q),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	return topdownQuery{prepared: prepared}, nil
}

func (q topdownQuery) eval(ctx context.Context, input ast.Value) (map[string]any, error) {
	var rs rego.ResultSet
	var err error
	if q.tracer != nil {
		rs, err = q.prepared.Eval(ctx, rego.EvalParsedInput(input), rego.EvalQueryTracer(q.tracer))
	} else {
		rs, err = q.prepared.Eval(ctx, rego.EvalParsedInput(input))
	}
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("entry point returned %d results, want 1", len(rs))
	}
	return asObject(rs[0].Expressions[0].Value)
}

func asObject(v any) (map[string]any, error) {
	found, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("entry point returned %T, want an object", v)
	}
	return found, nil
}
