package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// Runner judges cases on one evaluator, with an engine for each config the cases give.
type Runner struct {
	// Options are the engine's: the policy directories, the evaluator and the tracer; the
	// config is each case's.
	Options policies.Options
	// base is the engine of the policies under the default config (or Options' own), which
	// each case's engine shares the compiled library of.
	base    *policies.Engine
	engines map[string]*policies.Engine
}

// Outcome is what podpolicy serve answers for a case's object.
type Outcome struct {
	// Deny, Warn and Audit are the rules with a violation of that action, sorted.
	Deny, Warn, Audit []string
	// Violations are every violation, as the webhook reports them.
	Violations []policies.Violation
	// Patch is the JSON Patch the mutating webhook returns: empty but for a Pod's CREATE.
	Patch []policies.PatchOperation
	// Note says why nothing was judged: an exempt namespace.
	Note string
	// NoTemplate says why an object of a configured kind was not judged: it holds no pod
	// template (the webhook admits it with a warning saying so).
	NoTemplate string
	// Evaluator is what judged the case.
	Evaluator policies.Evaluator
}

// Run judges a case as podpolicy serve judges its request: for a Pod's CREATE the mutating
// webhook first (its patch is the outcome's, and is applied to the Pod), then the validating
// webhook on the object. An error means the case could not be judged (its config does not
// load, its object is of a kind podpolicy does not judge, it names an unknown rule), and names
// the case's file and line.
func (r *Runner) Run(ctx context.Context, c *Case) (*Outcome, error) {
	engine, err := r.engine(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := checkIDs(c, engine); err != nil {
		return nil, err
	}
	object := c.Object
	out := &Outcome{Patch: []policies.PatchOperation{}, Evaluator: engine.Evaluator()}
	labels := func() map[string]string { return c.NamespaceLabels }
	if c.Operation == "CREATE" && isPod(object) {
		if object, err = r.mutate(ctx, engine, c, labels, out); err != nil {
			return nil, err
		}
	}
	obj, err := normalize.Decode(object)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: object: %w", c.File, c.objectLine, err)
	}
	judged := policies.Context{Operation: c.Operation, Namespace: c.Namespace, NamespaceLabels: labels, At: c.At, Phases: policies.Validate}
	if c.OldObject != nil {
		if judged.OldObject, err = normalize.Decode(c.OldObject); err != nil {
			return nil, fmt.Errorf("%s:%d: oldObject: %w", c.File, c.oldObjectLine, err)
		}
	}
	verdict, err := engine.Judge(ctx, obj, judged)
	if err != nil {
		return nil, r.judgeError(c, err)
	}
	switch {
	case verdict.Exempt:
		out.Note = fmt.Sprintf("namespace %s is exempt (exemptNamespaces): nothing is judged", c.Namespace)
	case verdict.Object.NoTemplate != nil:
		out.NoTemplate = verdict.Object.NoTemplate.String()
	}
	for _, v := range verdict.Violations {
		if c.counts(v.Rule) {
			out.Violations = append(out.Violations, v)
		}
	}
	out.Deny, out.Warn, out.Audit = rulesWith(out.Violations, policies.Deny), rulesWith(out.Violations, policies.Warn), rulesWith(out.Violations, policies.Audit)
	return out, nil
}

// rulesWith returns the sorted IDs of the rules with a violation of action a.
func rulesWith(violations []policies.Violation, a policies.Action) []string {
	return distinct(violations, func(v *policies.Violation) (string, bool) { return v.Rule, v.Action == a })
}

// distinct returns the sorted distinct values of key over the violations it keeps.
func distinct(violations []policies.Violation, key func(*policies.Violation) (string, bool)) []string {
	out := []string{}
	for i := range violations {
		if k, keep := key(&violations[i]); keep && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// mutate runs the mutating webhook's judgement of a Pod's CREATE, records its patch in out and
// returns the Pod as the validating webhook then receives it, patched.
func (r *Runner) mutate(ctx context.Context, engine *policies.Engine, c *Case, labels func() map[string]string, out *Outcome) ([]byte, error) {
	obj, err := normalize.Decode(c.Object)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: object: %w", c.File, c.objectLine, err)
	}
	verdict, err := engine.Judge(ctx, obj, policies.Context{Operation: c.Operation, Namespace: c.Namespace, NamespaceLabels: labels, At: c.At, Phases: policies.Mutate})
	if err != nil {
		return nil, r.judgeError(c, err)
	}
	if verdict.Exempt {
		return c.Object, nil
	}
	var ops []policies.PatchOperation
	for _, m := range verdict.Mutations {
		if c.counts(m.Rule) {
			out.Patch = append(out.Patch, m.Patch...)
		}
		ops = append(ops, m.Patch...)
	}
	if len(ops) == 0 {
		return c.Object, nil
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: encode the patch: %w", c.File, c.Line, err)
	}
	patch, err := jsonpatch.DecodePatch(raw)
	if err == nil {
		var patched []byte
		if patched, err = patch.Apply(c.Object); err == nil {
			return patched, nil
		}
	}
	return nil, fmt.Errorf("%s:%d: the patch of the mutation rules (%s) does not apply to the object, and the API server would refuse it: %w", c.File, c.objectLine, raw, err)
}

// judgeError places an error of judging a case's object at its line.
func (r *Runner) judgeError(c *Case, err error) error {
	if errors.Is(err, normalize.ErrUnsupportedKind) {
		return fmt.Errorf("%s:%d: object: %w (podpolicy judges Pods, Kubernetes' workloads and the kinds of the config's workloads)", c.File, c.objectLine, err)
	}
	return fmt.Errorf("%s:%d: object: %w", c.File, c.objectLine, err)
}

// engine returns the engine of the case's config, loading it the first time; a config that
// does not load is an error naming its lines in the cases file.
func (r *Runner) engine(ctx context.Context, c *Case) (*policies.Engine, error) {
	key, err := configKey(c.Config)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: config: %w", c.File, c.Config.Line, err)
	}
	if e, ok := r.engines[key]; ok {
		return e, nil
	}
	parse := func(schema config.Schema) (*config.Config, error) {
		if c.Config == nil {
			return config.Parse("", nil, schema)
		}
		return config.ParseNode(c.File, c.Config, schema)
	}
	if r.base == nil {
		if r.base, err = policies.New(ctx, r.Options); err != nil {
			return nil, err
		}
	}
	e, err := r.base.WithConfig(ctx, parse)
	if err != nil {
		return nil, err
	}
	if r.engines == nil {
		r.engines = map[string]*policies.Engine{}
	}
	r.engines[key] = e
	return e, nil
}

// configKey is the same for two configs that say the same.
func configKey(n *yaml.Node) (string, error) {
	if n == nil {
		return "", nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return "", err
	}
	data, err := json.Marshal(v)
	return string(data), err
}

// checkIDs refuses a case that expects a rule the engine does not load: a misspelt ID would
// otherwise be an expectation no outcome can meet, or, in an empty set, one that always holds.
func checkIDs(c *Case, engine *policies.Engine) error {
	known := map[string]bool{}
	var ids []string
	for _, r := range engine.Rules() {
		known[r.ID] = true
		ids = append(ids, r.ID)
	}
	var problems []string
	check := func(field string, set IDs) {
		for i, id := range set.Names {
			if !known[id] {
				problems = append(problems, fmt.Sprintf("%s:%d: expect.%s: unknown rule ID %q (known: %s)", c.File, set.Lines[i], field, id, strings.Join(ids, ", ")))
			}
		}
	}
	check("deny", c.Expect.Deny)
	check("warn", c.Expect.Warn)
	check("audit", c.Expect.Audit)
	var rules IDs
	for rule := range c.Expect.Paths {
		rules.Names, rules.Lines = append(rules.Names, rule), append(rules.Lines, c.Expect.PathsLine)
	}
	rules.sort()
	check("paths", rules)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// isPod reports whether an object is a core v1 Pod, which the mutating webhook patches.
func isPod(object []byte) bool {
	var head struct{ APIVersion, Kind string }
	return json.Unmarshal(object, &head) == nil && head.APIVersion == "v1" && head.Kind == "Pod"
}
