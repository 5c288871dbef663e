package policies

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/normalize"
)

// violations turns the raw violations of the entry point (rule package -> set of
// {container, path, message, fix}) into Violations: metadata from the catalog, action from the
// config, paths made relative to the object, exceptions applied, sorted.
func (s *policySet) violations(found map[string]any, in *normalize.Input, now time.Time) []Violation {
	var out []Violation
	for pkg, raw := range found {
		rule := s.catalog.byPackage[pkg]
		if rule == nil {
			continue
		}
		action := s.config.Action(rule.ID)
		for _, item := range asList(raw) {
			fields, _ := item.(map[string]any)
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
			}
			if v.Remediation == "" {
				v.Remediation = rule.Remediation
			}
			if s.excepted(&v, in, now) {
				continue
			}
			out = append(out, v)
		}
	}
	sortViolations(out)
	return out
}

// objectPath turns a path relative to the pod spec into one relative to the object the user
// wrote. A path under "metadata" (a field PodSpec does not have) is the pod's own metadata.
func objectPath(in *normalize.Input, rel string) string {
	if rel == "metadata" || strings.HasPrefix(rel, "metadata.") {
		return joinField(strings.TrimSuffix(strings.TrimSuffix(in.SpecPath, "spec"), "."), rel)
	}
	return joinField(in.SpecPath, rel)
}

func (s *policySet) excepted(v *Violation, in *normalize.Input, now time.Time) bool {
	if len(s.config.Exceptions) == 0 {
		return false
	}
	image := containerImage(in.Pod, v.Container)
	for i := range s.config.Exceptions {
		if s.config.Exceptions[i].matches(v, in.Namespace, image, now) {
			return true
		}
	}
	return false
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
			op, _ := item.(map[string]any)
			p := PatchOperation{Op: stringOf(op["op"]), Path: stringOf(op["path"]), Value: op["value"]}
			if p.Op == "" || p.Path == "" {
				return nil, fmt.Errorf("rule %s: patch operation without op or path: %v", rule.ID, item)
			}
			m.Patch = append(m.Patch, p)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out, nil
}
