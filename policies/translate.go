package policies

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/normalize"
)

// violations turns the raw violations of the entry point (rule package -> set of
// {container, path, message, fix}) into Violations: metadata from the catalog, action from the
// config, paths made relative to the object, exceptions applied, sorted. A violation of the
// wrong shape, which the load-time check could not see, fails the evaluation.
func (s *policySet) violations(found map[string]any, in *normalize.Input, now time.Time) ([]Violation, []Excepted, error) {
	var out []Violation
	var excepted []Excepted
	for pkg, raw := range found {
		rule := s.catalog.byPackage[pkg]
		if rule == nil {
			continue
		}
		action, enforceFrom := s.config.ActionAt(rule.ID, now)
		for _, item := range asList(raw) {
			fields, err := itemFields(rule, "violation", item, violationFields)
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
				Path:        objectPath(in, stringOf(fields["path"])),
				Message:     stringOf(fields["message"]),
				Remediation: stringOf(fields["fix"]),
				EnforceFrom: enforceFrom,
			}
			if v.Remediation == "" {
				v.Remediation = rule.Remediation
			}
			if reason, ok := s.excepted(&v, in, now); ok {
				excepted = append(excepted, Excepted{Violation: v, Reason: reason})
				continue
			}
			out = append(out, v)
		}
	}
	sortViolations(out)
	slices.SortStableFunc(excepted, func(a, b Excepted) int { return compareViolations(&a.Violation, &b.Violation) })
	return out, excepted, nil
}

// itemFields checks one element a rule produced against its contract.
func itemFields(rule *Rule, doc string, item any, fields fieldSet) (map[string]any, error) {
	obj, ok := item.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("rule %s: %s %v is not an object %s", rule.ID, doc, item, fields.describe())
	}
	for name, value := range obj {
		if !fields.known(name) {
			return nil, fmt.Errorf("rule %s: %s %v has the field %s; its fields are %s", rule.ID, doc, item, name, fields.describe())
		}
		if _, isString := value.(string); slices.Contains(fields.strings, name) && !isString {
			return nil, fmt.Errorf("rule %s: %s %v: field %s must be a string", rule.ID, doc, item, name)
		}
	}
	for _, name := range fields.required {
		if _, ok := obj[name]; !ok {
			return nil, fmt.Errorf("rule %s: %s %v lacks the field %s", rule.ID, doc, item, name)
		}
	}
	return obj, nil
}

// objectPath turns a path relative to the pod spec into one relative to the object the user
// wrote. A path under "metadata" (a field PodSpec does not have) is the pod's own metadata.
func objectPath(in *normalize.Input, rel string) string {
	if rel == "metadata" || strings.HasPrefix(rel, "metadata.") {
		return joinField(strings.TrimSuffix(strings.TrimSuffix(in.SpecPath, "spec"), "."), rel)
	}
	return joinField(in.SpecPath, rel)
}

// excepted reports whether an exception waives v, and the reason of the first that does.
func (s *policySet) excepted(v *Violation, in *normalize.Input, now time.Time) (string, bool) {
	if len(s.config.Exceptions) == 0 {
		return "", false
	}
	image := containerImage(in.Pod, v.Container)
	for i := range s.config.Exceptions {
		if s.config.Exceptions[i].matches(v, in.Namespace, image, in.Owners, now) {
			return s.config.Exceptions[i].Reason, true
		}
	}
	return "", false
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
		rule := s.catalog.byPackage[pkg]
		if rule == nil {
			continue
		}
		m := Mutation{Rule: rule.ID}
		for _, item := range asList(raw) {
			op, err := itemFields(rule, "patch", item, patchFields)
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
