package policies

import (
	"slices"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// violations turns the raw violations of the entry point (rule package -> set of
// {container, path, message, fix}) into Violations: metadata from the catalog, action from the
// config, paths made relative to the object, exceptions applied, sorted. A violation of the
// wrong shape, which the load-time check could not see, fails the evaluation.
func (s *policySet) violations(found map[string]any, in *normalize.Input, now time.Time) ([]Violation, []Excepted, error) {
	total := 0
	for _, raw := range found {
		total += len(asList(raw))
	}
	// Sized once: a Pod of 1,000 violating containers has tens of thousands of violations,
	// and growing the slice by doubling would allocate twice what it keeps.
	out := make([]Violation, 0, total)
	var excepted []Excepted
	for pkg, raw := range found {
		rule := s.catalog.ByPackage(pkg)
		if rule == nil {
			continue
		}
		action, enforceFrom := s.config.ActionAt(rule.ID, now)
		for _, item := range asList(raw) {
			fields, err := library.ViolationFields.Check(rule, "violation", item)
			if err != nil {
				return nil, nil, err
			}
			v := Violation{
				Rule:        rule.ID,
				Action:      action,
				Severity:    rule.Severity,
				Kind:        in.Kind,
				Name:        in.Name,
				Container:   stringOf(fields["container"]),
				Path:        in.ObjectPath(stringOf(fields["path"])),
				Message:     stringOf(fields["message"]),
				Remediation: stringOf(fields["fix"]),
				EnforceFrom: enforceFrom,
			}
			if v.Remediation == "" {
				v.Remediation = rule.Remediation
			}
			if e := s.excepted(&v, in, now); e != nil {
				excepted = append(excepted, Excepted{Violation: v, Reason: e.Reason, Expires: e.Expires})
				continue
			}
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = nil // every one excepted: no violations, as when none was found
	}
	sortViolations(out)
	slices.SortStableFunc(excepted, func(a, b Excepted) int { return compareViolations(&a.Violation, &b.Violation) })
	return out, excepted, nil
}

// excepted returns the first exception that waives v; nil when none does.
func (s *policySet) excepted(v *Violation, in *normalize.Input, now time.Time) *config.Exception {
	if len(s.config.Exceptions) == 0 {
		return nil
	}
	return s.config.Waiving(config.Subject{
		Rule: v.Rule, Name: in.Name, Generated: in.Generated, Namespace: in.Namespace,
		Image: containerImage(in.Pod, v.Container), Owners: in.Owners,
	}, now)
}

// containerImage returns the image of the named container of a pod ("" when none).
func containerImage(pod ast.Object, name string) string {
	if name == "" {
		return ""
	}
	spec, _ := normalize.Value(pod, "spec").(ast.Object)
	for _, field := range normalize.ContainerFields {
		containers, _ := normalize.Value(spec, field).(*ast.Array)
		for i := range lengthOf(containers) {
			container, _ := containers.Elem(i).Value.(ast.Object)
			if n, _ := normalize.Value(container, "name").(ast.String); string(n) == name {
				image, _ := normalize.Value(container, "image").(ast.String)
				return string(image)
			}
		}
	}
	return ""
}

// lengthOf is the length of a possibly nil array.
func lengthOf(a *ast.Array) int {
	if a == nil {
		return 0
	}
	return a.Len()
}

// mutations turns the raw patches of the entry point (rule package -> set of operations) into
// Mutations sorted by rule.
func (s *policySet) mutations(found map[string]any) ([]Mutation, error) {
	var out []Mutation
	for pkg, raw := range found {
		rule := s.catalog.ByPackage(pkg)
		if rule == nil {
			continue
		}
		m := Mutation{Rule: rule.ID}
		for _, item := range asList(raw) {
			op, err := library.PatchFields.Check(rule, "patch", item)
			if err != nil {
				return nil, err
			}
			m.Patch = append(m.Patch, PatchOperation{Op: op["op"].(string), Path: op["path"].(string), Value: op["value"], From: stringOf(op["from"])})
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out, nil
}

func asList(v any) []any {
	list, _ := v.([]any)
	return list
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
