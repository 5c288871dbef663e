package audit

import (
	"fmt"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/check"
)

// CheckReport renders a run as `podpolicy check` reports manifests, for `podpolicy audit`: one
// object per top owner with something to act on (its template's violations and those only its
// Pods have), each owner that could not be judged as an error, and a summary over every owner.
func CheckReport(run *Run, engine *policies.Engine) *check.Report {
	r := &check.Report{Results: []check.ObjectResult{}, Evaluator: engine.Evaluator(), EvaluatorFallback: engine.EvaluatorFallback()}
	clean := 0
	for _, f := range run.Findings {
		if f.Error != "" {
			r.Errors = append(r.Errors, fmt.Errorf("%s: %s", f.Owner, f.Error))
			continue
		}
		for _, e := range f.PodErrors {
			r.Errors = append(r.Errors, fmt.Errorf("%s: Pod %s: %s", f.Owner, e.Name, e.Error))
		}
		violations := append(append([]policies.Violation(nil), f.Violations...), f.PodViolations...)
		if len(violations) == 0 {
			clean++
			continue
		}
		r.AddObject(check.ObjectResult{
			Source: "cluster", APIVersion: f.Owner.APIVersion, Kind: f.Owner.Kind,
			Namespace: f.Owner.Namespace, Name: f.Owner.Name, Violations: violations,
		})
	}
	r.Summary.Objects += clean
	return r
}
