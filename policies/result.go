package policies

import (
	"slices"
	"sort"
	"strings"

	"github.com/podpolicy/podpolicy/policies/config"
)

// Action is what a violation of a rule leads to (deny, warn, audit; off turns a rule off).
type Action = config.Action

// The actions a rule can be set to.
const (
	Deny  = config.Deny
	Warn  = config.Warn
	Audit = config.Audit
	Off   = config.Off
)

// Violation is one broken rule in one place of an object.
type Violation struct {
	Rule      string `json:"rule"`
	Action    Action `json:"action"`
	Severity  string `json:"severity"`
	Kind      string `json:"kind,omitempty"`
	Name      string `json:"name,omitempty"`
	Container string `json:"container,omitempty"`
	// Path is the field path relative to the object the user applied.
	Path        string `json:"path"`
	Message     string `json:"message"`
	Remediation string `json:"remediation"`
	// EnforceFrom is the date a warn or audit violation will be denied from, when the rule's
	// config sets one not yet reached.
	EnforceFrom string `json:"enforceFrom,omitempty"`
}

// String formats the violation as podpolicy reports it everywhere:
// [rule] container "web": what is wrong (path); fix: how to fix it.
func (v *Violation) String() string {
	var b strings.Builder
	b.WriteString("[")
	b.WriteString(v.Rule)
	b.WriteString("] ")
	if v.Container != "" {
		b.WriteString(`container "`)
		b.WriteString(v.Container)
		b.WriteString(`": `)
	}
	b.WriteString(v.Message)
	b.WriteString(" (")
	b.WriteString(v.Path)
	b.WriteString("); fix: ")
	b.WriteString(v.Remediation)
	if v.EnforceFrom != "" {
		b.WriteString("; this will be denied from ")
		b.WriteString(v.EnforceFrom)
	}
	return b.String()
}

// Excepted is a violation an exception waived, with the exception's reason and, when it has
// one, the date it expires (its expires as the config writes it), from which the violation
// counts again.
type Excepted struct {
	Violation
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

// PatchOperation is one JSON Patch (RFC 6902) operation.
type PatchOperation struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
	// From is the source of a move or copy.
	From string `json:"from,omitempty"`
}

// Mutation is the patch one mutation rule asks for.
type Mutation struct {
	Rule  string           `json:"rule"`
	Patch []PatchOperation `json:"patch"`
}

// Result is the outcome of evaluating one object.
type Result struct {
	// Exempt is true when the object's namespace is exempt: nothing was evaluated.
	Exempt bool
	// Violations holds every violation not waived by an exception, sorted by rule then path.
	Violations []Violation
	// Excepted holds the violations exceptions waived, sorted likewise.
	Excepted []Excepted
	// Mutations holds the patches of the mutation rules, sorted by rule.
	Mutations []Mutation
}

// WithAction returns the violations whose action is a.
func (r *Result) WithAction(a Action) []Violation {
	var out []Violation
	for _, v := range r.Violations {
		if v.Action == a {
			out = append(out, v)
		}
	}
	return out
}

// Patch returns the operations of every mutation, in rule order.
func (r *Result) Patch() []PatchOperation {
	var ops []PatchOperation
	for _, m := range r.Mutations {
		ops = append(ops, m.Patch...)
	}
	return ops
}

// add merges into r the result of another of an object's pod templates, keeping the order.
func (r *Result) add(o *Result) {
	if r.Violations == nil && r.Excepted == nil && r.Mutations == nil {
		*r = *o
		return
	}
	r.Violations = append(r.Violations, o.Violations...)
	r.Excepted = append(r.Excepted, o.Excepted...)
	r.Mutations = append(r.Mutations, o.Mutations...)
	sortViolations(r.Violations)
	slices.SortStableFunc(r.Excepted, func(a, b Excepted) int { return compareViolations(&a.Violation, &b.Violation) })
}

func sortViolations(vs []Violation) {
	sort.SliceStable(vs, func(i, j int) bool { return compareViolations(&vs[i], &vs[j]) < 0 })
}

// compareViolations orders violations by rule, then path.
func compareViolations(a, b *Violation) int {
	if a.Rule != b.Rule {
		return strings.Compare(a.Rule, b.Rule)
	}
	return strings.Compare(a.Path, b.Path)
}
