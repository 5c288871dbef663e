package normalize

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
	"github.com/podpolicy/podpolicy/policies/kinds"
)

// NoTemplate is what podpolicy says of an object of a configured kind that holds no pod
// template: never that it passed.
type NoTemplate struct {
	// Paths are the kind's template paths, none of which holds a template.
	Paths []string
	// RefPath is the path of the object's reference to the object whose template it runs (an
	// Argo Rollout's spec.workloadRef); "" when it has none.
	RefPath string
	// RefAPIVersion, RefKind and RefName name the referenced object.
	RefAPIVersion, RefKind, RefName string
	// RefJudged says whether podpolicy judges the referenced object's kind itself.
	RefJudged bool
}

func (n *NoTemplate) String() string {
	at := "no pod template at " + strings.Join(n.Paths, " or ")
	switch {
	case n.RefPath == "":
		return at + ": nothing to judge until its Pods are created, which are judged then"
	case n.RefJudged:
		return fmt.Sprintf("%s: it runs the pod template of %s %s (%s), which podpolicy judges as any %s; exceptions naming this object cover its Pods", at, n.RefKind, n.RefName, n.RefPath, n.RefKind)
	default:
		return fmt.Sprintf("%s: it runs the pod template of %s %s (%s), which podpolicy judges in the objects its controller creates from it; exceptions naming this object cover its Pods", at, n.RefKind, n.RefName, n.RefPath)
	}
}

// found is a pod template found in an object, with its concrete path.
type found struct {
	template ast.Object
	path     string
}

// findTemplates returns the pod templates at paths in obj, each path's in the object's order
// (a map's keys sorted). A path whose step is missing holds none; a step of the wrong type (a
// map where the path has [*]), or a value that is not a pod template, is a *FieldError.
func findTemplates(obj ast.Object, paths []kinds.Path) ([]found, error) {
	var out []found
	for _, p := range paths {
		var err error
		if out, err = walkTemplates(out, obj, p, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func walkTemplates(out []found, v ast.Value, p kinds.Path, at string) ([]found, error) {
	if len(p) == 0 {
		template, err := podTemplate(v, at)
		if err != nil {
			return nil, err
		}
		return append(out, found{template: template, path: at}), nil
	}
	step, rest := p[0], p[1:]
	switch {
	case step.AnyIndex:
		list, ok := v.(*ast.Array)
		if !ok {
			return nil, fieldError(at, "expected a list, got %s", astjson.TypeName(v))
		}
		for i := range list.Len() {
			var err error
			if out, err = walkTemplates(out, list.Elem(i).Value, rest, at+"["+strconv.Itoa(i)+"]"); err != nil {
				return nil, err
			}
		}
		return out, nil
	case step.AnyKey:
		m, ok := v.(ast.Object)
		if !ok {
			return nil, fieldError(at, "expected a map, got %s", astjson.TypeName(v))
		}
		keys := make([]string, 0, m.Len())
		for _, k := range m.Keys() {
			key, ok := k.Value.(ast.String)
			if !ok {
				return nil, fieldError(at, "expected a map of strings to pod templates, got the key %v", k)
			}
			keys = append(keys, string(key))
		}
		slices.Sort(keys)
		for _, key := range keys {
			var err error
			if out, err = walkTemplates(out, Value(m, key), rest, joinField(at, key)); err != nil {
				return nil, err
			}
		}
		return out, nil
	default:
		m, ok := v.(ast.Object)
		if !ok {
			return nil, fieldError(at, "expected an object, got %s", astjson.TypeName(v))
		}
		next := Value(m, step.Key)
		if next == nil {
			return out, nil
		}
		return walkTemplates(out, next, rest, joinField(at, step.Key))
	}
}

// podTemplate checks that v, at path, is a pod template: an object of metadata and spec.
func podTemplate(v ast.Value, path string) (ast.Object, error) {
	template, ok := v.(ast.Object)
	if !ok {
		return nil, fieldError(path, "expected a pod template (an object of metadata and spec), got %s", astjson.TypeName(v))
	}
	var other []string
	for _, k := range template.Keys() {
		if key, ok := k.Value.(ast.String); !ok || (key != "metadata" && key != "spec") {
			other = append(other, k.String())
		}
	}
	if len(other) > 0 {
		slices.Sort(other)
		return nil, fieldError(path, "expected a pod template (an object of metadata and spec), got an object with %s: is the kind's template path right?", strings.Join(other, ", "))
	}
	return template, nil
}

// templatePaths are the template paths of k, as written.
func templatePaths(k *kinds.Kind) []string {
	paths := make([]string, len(k.Templates))
	for i, p := range k.Templates {
		paths[i] = p.String()
	}
	return paths
}

// templateRef returns, for an object of kind k that names the object whose pod template it
// runs (k's TemplateRef), why it holds none of its own; nil when it names none. An object that
// names one runs that one's template, whatever its own template paths hold, as an Argo Rollout
// with a workloadRef does.
func templateRef(obj ast.Object, k *kinds.Kind, table *kinds.Table) (*NoTemplate, error) {
	if len(k.TemplateRef) == 0 {
		return nil, nil
	}
	var holder ast.Value = obj
	at := ""
	for _, step := range k.TemplateRef {
		m, ok := holder.(ast.Object)
		if !ok {
			return nil, fieldError(at, "expected an object, got %s", astjson.TypeName(holder))
		}
		at = joinField(at, step.Key)
		if holder = Value(m, step.Key); holder == nil {
			return nil, nil
		}
	}
	ref, ok := holder.(ast.Object)
	if !ok {
		return nil, fieldError(at, "expected a reference (apiVersion, kind, name), got %s", astjson.TypeName(holder))
	}
	var r Reader
	n := &NoTemplate{Paths: templatePaths(k), RefPath: at}
	n.RefAPIVersion, n.RefKind, n.RefName = r.String(ref, "apiVersion", at), r.String(ref, "kind", at), r.String(ref, "name", at)
	if r.Err != nil {
		return nil, r.Err
	}
	if n.RefKind == "" || n.RefName == "" {
		return nil, fieldError(at, "a reference names the kind and name of the object whose pod template this one runs")
	}
	n.RefJudged = table.Of(n.RefAPIVersion, n.RefKind) != nil
	return n, nil
}
