package vm

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/rego"
)

// planTarget is the rego target under which Plan asks OPA for a query plan.
const planTarget = "podpolicy-plan"

var registerPlanTarget sync.Once

// planSinkKey carries a *planSink through PrepareForEval's context to the target plugin, so
// that concurrent Plan calls each receive their own plan without global state.
type planSinkKey struct{}

type planSink struct{ policy *ir.Policy }

// planCapture is a rego target plugin that keeps the plan rego hands it.
type planCapture struct{}

func (planCapture) IsTarget(t string) bool { return t == planTarget }

func (planCapture) PrepareForEval(ctx context.Context, policy *ir.Policy, _ ...rego.PrepareOption) (rego.TargetPluginEval, error) {
	sink, ok := ctx.Value(planSinkKey{}).(*planSink)
	if !ok {
		return nil, errors.New("the podpolicy-plan target only plans queries for vm.Plan")
	}
	sink.policy = policy
	return planOnly{}, nil
}

// planOnly refuses evaluation through rego: a plan is run by a Program.
type planOnly struct{}

func (planOnly) Eval(context.Context, *rego.EvalContext, ast.Value) (ast.Value, error) {
	return nil, errors.New("a podpolicy-plan query is evaluated by vm.Program, not by rego")
}

// Plan asks OPA's planner for the plan of query over the modules of compiler, which must
// already be compiled. The compiler is left in topdown mode for other users.
func Plan(ctx context.Context, compiler *ast.Compiler, query string) (*ir.Policy, error) {
	registerPlanTarget.Do(func() { rego.RegisterPlugin(planTarget, planCapture{}) })
	defer compiler.WithEvalMode(ast.EvalModeTopdown)

	sink := &planSink{}
	_, err := rego.New(
		rego.Compiler(compiler),
		rego.Query(query),
		rego.Target(planTarget),
	).PrepareForEval(context.WithValue(ctx, planSinkKey{}, sink))
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", query, err)
	}
	if sink.policy == nil {
		return nil, fmt.Errorf("plan %s: the planner returned no plan", query)
	}
	return sink.policy, nil
}
