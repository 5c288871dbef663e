package library

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/types"
)

// The contract of a rule package, checked when the policies load (from the types OPA's
// compiler infers) and again on every result (for what the types leave open):
//   - violation is a set of objects with string path and message, and optional string
//     container and fix;
//   - patch is a set or an array of JSON Patch operations: objects with string op and path,
//     and optional value and from.
var (
	// ViolationFields is the shape of a violation.
	ViolationFields = FieldSet{required: []string{"path", "message"}, optional: []string{"container", "fix"}, strings: []string{"path", "message", "container", "fix"}}
	// PatchFields is the shape of a JSON Patch operation.
	PatchFields = FieldSet{required: []string{"op", "path"}, optional: []string{"value", "from"}, strings: []string{"op", "path", "from"}}
)

// FieldSet is the shape of the objects a rule produces.
type FieldSet struct {
	required, optional []string
	// strings are the fields whose value must be a string.
	strings []string
}

func (f FieldSet) known(name string) bool {
	return slices.Contains(f.required, name) || slices.Contains(f.optional, name)
}

func (f FieldSet) describe() string {
	return "{" + strings.Join(append(append([]string{}, f.required...), f.optional...), ", ") + "}"
}

// checkContract checks the violation and patch a rule module defines: the literal heads of
// its rules, then the type OPA infers for the whole document. A rule of the wrong shape is
// reported at its file and line.
func checkContract(compiler *ast.Compiler, module *ast.Module) *ast.Error {
	for _, doc := range []string{"violation", "patch"} {
		if err := checkDocument(compiler, module, doc); err != nil {
			return err
		}
	}
	return nil
}

func checkDocument(compiler *ast.Compiler, module *ast.Module, doc string) *ast.Error {
	fields, arraysAllowed := ViolationFields, false
	if doc == "patch" {
		fields, arraysAllowed = PatchFields, true
	}
	var first *ast.Rule
	for _, r := range module.Rules {
		if r.Head.Ref()[0].String() != doc {
			continue
		}
		if first == nil {
			first = r
		}
		if r.Head.Key != nil {
			if problem := literalProblem(r.Head.Key, fields); problem != "" {
				return contractError(r, doc, problem)
			}
		}
	}
	if first == nil {
		return nil
	}
	tpe := compiler.TypeEnv.GetByRef(module.Package.Path.Append(ast.StringTerm(doc)))
	var elem types.Type
	switch t := tpe.(type) {
	case nil:
		return nil
	case *types.Set:
		elem = t.Of()
	case *types.Array:
		if !arraysAllowed {
			return contractError(first, doc, fmt.Sprintf("must be a set of objects %s, not an array", fields.describe()))
		}
		elem = arrayElements(t)
	default:
		what := "a set of objects"
		if arraysAllowed {
			what = "a set or an array of JSON Patch operations"
		}
		return contractError(first, doc, fmt.Sprintf("must be %s %s; it is %s", what, fields.describe(), types.Sprint(tpe)))
	}
	if problem := elementProblem(elem, fields); problem != "" {
		return contractError(first, doc, problem)
	}
	return nil
}

// Check checks one element a rule produced against the contract, at evaluation: what the
// load-time check could not see in the types. doc names the document (violation or patch).
func (fields FieldSet) Check(rule *Rule, doc string, item any) (map[string]any, error) {
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

// literalProblem checks the element a `contains` rule adds when it is written as a literal.
func literalProblem(term *ast.Term, fields FieldSet) string {
	switch v := term.Value.(type) {
	case ast.Object:
		var problem string
		v.Until(func(k, value *ast.Term) bool {
			name, isString := k.Value.(ast.String)
			switch {
			case !isString || !fields.known(string(name)):
				problem = fmt.Sprintf("has the field %v; its fields are %s", k, fields.describe())
			case slices.Contains(fields.strings, string(name)) && !literalMaybeString(value):
				problem = fmt.Sprintf("field %s is %v; it must be a string", string(name), value)
			}
			return problem != ""
		})
		if problem != "" {
			return problem
		}
		for _, name := range fields.required {
			if v.Get(ast.InternedTerm(name)) == nil {
				return fmt.Sprintf("lacks the field %s; its fields are %s", name, fields.describe())
			}
		}
	case ast.String, ast.Number, ast.Boolean, ast.Null, *ast.Array, ast.Set:
		return fmt.Sprintf("holds %v, not objects %s", term, fields.describe())
	}
	return ""
}

// literalMaybeString reports whether a term written in a rule can be a string: any term but
// a literal of another type.
func literalMaybeString(t *ast.Term) bool {
	switch t.Value.(type) {
	case ast.Number, ast.Boolean, ast.Null, *ast.Array, ast.Object, ast.Set:
		return false
	}
	return true
}

// arrayElements is the union of an array type's element types.
func arrayElements(t *types.Array) types.Type {
	var elems types.Any
	for i := range t.Len() {
		elems = elems.Merge(t.Select(i))
	}
	if d := t.Dynamic(); d != nil {
		elems = elems.Merge(d)
	}
	return elems
}

// elementProblem says what is wrong with the type of a rule's elements; "" when nothing is, or
// when the type leaves the shape open (it is then checked on every result).
func elementProblem(elem types.Type, fields FieldSet) string {
	if any, ok := elem.(types.Any); ok {
		if len(any) == 0 {
			return ""
		}
		for _, alternative := range any {
			if problem := elementProblem(alternative, fields); problem != "" {
				return problem
			}
		}
		return ""
	}
	obj, ok := elem.(*types.Object)
	if !ok {
		return fmt.Sprintf("holds %s, not objects %s", types.Sprint(elem), fields.describe())
	}
	if obj.DynamicProperties() != nil {
		return ""
	}
	present := map[string]bool{}
	for _, p := range obj.StaticProperties() {
		name, isString := p.Key.(string)
		if !isString || !fields.known(name) {
			return fmt.Sprintf("has the field %v; its fields are %s", p.Key, fields.describe())
		}
		present[name] = true
		if slices.Contains(fields.strings, name) && !maybeString(p.Value) {
			return fmt.Sprintf("field %s is %s; it must be a string", name, types.Sprint(p.Value))
		}
	}
	for _, name := range fields.required {
		if !present[name] {
			return fmt.Sprintf("lacks the field %s; its fields are %s", name, fields.describe())
		}
	}
	return ""
}

// maybeString reports whether a value of type t can be a string.
func maybeString(t types.Type) bool {
	return types.Contains(t, types.S) || types.Compare(t, types.A) == 0
}

// contractError places a contract violation at a rule.
func contractError(rule *ast.Rule, doc, problem string) *ast.Error {
	return ast.NewError(ast.CompileErr, rule.Location, "rule %s: %s %s", rule.Module.Package.Path, doc, problem)
}
