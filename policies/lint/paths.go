package lint

import (
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Markers in a path template: a part known only when the rule runs, and pod.path(f, i) (the
// path of a container, containers[i] or initContainers[i]).
const (
	dynamicPart   = "\x00"
	containerPart = "\x01"
)

// podLibrary is the package of pod.path.
const podLibrary = "data.podpolicy.lib.pod"

// checkPaths finds violation paths written from the object's root (spec.containers, which the
// engine reports as spec.spec.containers) and paths through fields a Pod does not have.
func (l *linter) checkPaths() {
	for _, m := range l.modules() {
		if isTest(m) || l.ruleOfModule(m) == "" {
			continue
		}
		ast.WalkTerms(m, func(t *ast.Term) bool {
			obj, ok := t.Value.(ast.Object)
			if !ok || obj.Get(ast.StringTerm("message")) == nil {
				return false
			}
			if p := obj.Get(ast.StringTerm("path")); p != nil {
				l.checkPath(m, p)
			}
			return false
		})
	}
}

// checkPath checks one violation path.
func (l *linter) checkPath(m *ast.Module, term *ast.Term) {
	text := pathTemplate(m, term)
	shown := strings.NewReplacer(dynamicPart, "…", containerPart, "containers[i]").Replace(text)
	steps, ok := parsePath(text)
	if !ok || len(steps) == 0 || steps[0].dynamic {
		return
	}
	switch first := steps[0].field; {
	case first == "spec" || first == "template":
		l.add("path-from-object-root", term.Location,
			fmt.Sprintf("path %q is written from the object's root; a violation's path is relative to the pod spec, so the engine reports it as spec.%s for a Pod and spec.template.spec.%s for a Deployment", shown, shown, shown),
			fmt.Sprintf("write it from the pod spec: %q (a path under metadata. is the pod's own metadata)", fromPodSpec(shown)))
		return
	case first == containerPart:
		if problem := walkType(containerType, steps[1:], "containers[i]"); problem != "" {
			l.add("path-not-in-pod-spec", term.Location, fmt.Sprintf("path %q: %s", shown, problem), "name a field the container has (kubectl explain pod.spec.containers)")
		}
		return
	case first == "metadata":
		if problem := walkType(objectMetaType, steps[1:], "metadata"); problem != "" {
			l.add("path-not-in-pod-spec", term.Location, fmt.Sprintf("path %q: %s", shown, problem), "name a field of the pod's metadata (labels, annotations, …)")
		}
		return
	}
	if problem := walkType(podSpecType, steps, ""); problem != "" {
		fix := "name a field of the pod spec (kubectl explain pod.spec), or metadata.… for the pod's own metadata"
		if _, isContainerField := jsonFields(containerType)[steps[0].field]; isContainerField {
			fix = fmt.Sprintf("%s is a container's field: write concat(\"\", [pod.path(f, i), \".%s\"]) for the container spec[f][i]", steps[0].field, shown)
		}
		message := fmt.Sprintf("path %q: %s", shown, problem)
		if _, inSpec := jsonFields(podSpecType)[steps[0].field]; !inSpec {
			message = fmt.Sprintf("path %q is not under the pod spec: %s", shown, problem)
		}
		l.add("path-not-in-pod-spec", term.Location, message, fix)
	}
}

// fromPodSpec drops the root part of a path written from the object's root.
func fromPodSpec(path string) string {
	for _, prefix := range []string{"spec.template.spec.", "spec.template.", "template.spec.", "template.", "spec."} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			return rest
		}
	}
	return path
}

// pathTemplate renders the text a path term makes, with dynamicPart for what is only known when
// the rule runs and containerPart for pod.path(f, i).
func pathTemplate(m *ast.Module, t *ast.Term) string {
	switch v := t.Value.(type) {
	case ast.String:
		return string(v)
	case ast.Call:
		op := resolve(m, v[0].Value.(ast.Ref)).String()
		args := v[1:]
		switch {
		case op == podLibrary+".path":
			return containerPart
		case op == "concat" && len(args) == 2:
			sep, ok := args[0].Value.(ast.String)
			parts, isArray := args[1].Value.(*ast.Array)
			if !ok || !isArray {
				return dynamicPart
			}
			var texts []string
			parts.Foreach(func(p *ast.Term) { texts = append(texts, pathTemplate(m, p)) })
			return strings.Join(texts, string(sep))
		case op == "sprintf" && len(args) == 2:
			return sprintfTemplate(m, args[0], args[1])
		}
	}
	return dynamicPart
}

// sprintfTemplate renders sprintf(format, args): each %s or %v is its argument's template,
// any other verb is dynamic.
func sprintfTemplate(m *ast.Module, formatTerm, argsTerm *ast.Term) string {
	format, ok := formatTerm.Value.(ast.String)
	args, isArray := argsTerm.Value.(*ast.Array)
	if !ok || !isArray {
		return dynamicPart
	}
	verbs, _ := formatVerbs(string(format))
	var b strings.Builder
	pos := 0
	for _, v := range verbs {
		b.WriteString(strings.ReplaceAll(string(format)[pos:v.start], "%%", "%"))
		pos = v.end
		kind := string(format)[v.end-1]
		if (kind == 's' || kind == 'v') && !v.width && v.arg < args.Len() {
			b.WriteString(pathTemplate(m, args.Elem(v.arg)))
		} else {
			b.WriteString(dynamicPart)
		}
	}
	b.WriteString(strings.ReplaceAll(string(format)[pos:], "%%", "%"))
	return b.String()
}

// parsePath splits a path template into steps: a.b[0].c[…]. It returns false for text that is
// not a path.
func parsePath(text string) ([]step, bool) {
	var steps []step
	for _, part := range strings.Split(text, ".") {
		name, rest, _ := strings.Cut(part, "[")
		switch {
		case name == containerPart && len(steps) == 0:
			steps = append(steps, step{field: containerPart})
		case name == "" && len(steps) == 0:
			return nil, false
		case strings.Contains(name, dynamicPart) || strings.Contains(name, containerPart):
			steps = append(steps, step{dynamic: true})
			return steps, true
		case name != "":
			steps = append(steps, step{field: name})
		}
		for rest != "" {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return steps, true
			}
			steps = append(steps, step{index: true})
			rest = strings.TrimPrefix(rest[end+1:], "[")
		}
	}
	return steps, true
}

// resolve turns a reference through an import alias (pod.path) into its full path
// (data.podpolicy.lib.pod.path).
func resolve(m *ast.Module, ref ast.Ref) ast.Ref {
	head, ok := ref[0].Value.(ast.Var)
	if !ok {
		return ref
	}
	for _, imp := range m.Imports {
		if imp.Name().Equal(head) {
			path := imp.Path.Value.(ast.Ref)
			return path.Concat(ref[1:])
		}
	}
	return ref
}
