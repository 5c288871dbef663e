package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/library"
)

// elsewhere says what podpolicy gives instead of an input field other tools give, by the
// field's name: rules ported from Gatekeeper, kube-mgmt or a validating webhook of one's own
// read these, and never fire in podpolicy.
var elsewhere = map[string]string{
	"review":     "input.review is Gatekeeper's AdmissionReview: podpolicy gives the object's pod as input.pod (review.object.spec is input.pod.spec, a workload's review.object.spec.template is input.pod), and input.kind, input.operation, input.namespace and input.name",
	"request":    "input.request is an AdmissionReview's request: podpolicy gives its parts as input.operation, input.namespace, input.kind, input.name and input.pod (request.object's pod spec and metadata)",
	"parameters": "input.parameters are a Gatekeeper constraint's parameters: a podpolicy rule reads its settings from data.podpolicy.config.rules[\"<its id>\"], declared with their defaults in its METADATA (custom.settings)",
	"object":     "input.object is not podpolicy's: the object's pod is input.pod (metadata and spec of the Pod, or of a workload's pod template)",
	"oldObject":  "a rule sees only the new object: podpolicy judges an UPDATE on the violations it adds, comparing the old object's verdict itself",
	"userInfo":   "a rule does not see who sends the request: who may soften podpolicy is the config's modeAdmins",
	"spec":       "the pod spec is input.pod.spec",
	"metadata":   "the pod's metadata is input.pod.metadata (the object's own name is input.name)",
	"containers": "the containers are input.pod.spec.containers",
	"template":   "input.pod is a workload's pod template already: its spec is input.pod.spec",
	"labels":     "the pod's labels are input.pod.metadata.labels (the Namespace's are input.namespaceLabels)",
}

// translations map what other tools' inputs name to podpolicy's, longest first, for the fix.
var translations = [][2]string{
	{"review.object.spec.template.spec", "pod.spec"},
	{"review.object.spec.template.metadata", "pod.metadata"},
	{"review.object.spec.template", "pod"},
	{"review.object.spec", "pod.spec"},
	{"review.object.metadata.name", "name"},
	{"review.object.metadata", "pod.metadata"},
	{"review.object", "pod"},
	{"review.operation", "operation"},
	{"review.namespace", "namespace"},
	{"review.kind.kind", "kind"},
	{"request.object.spec.template.spec", "pod.spec"},
	{"request.object.spec", "pod.spec"},
	{"request.object.metadata", "pod.metadata"},
	{"request.object", "pod"},
	{"request.operation", "operation"},
	{"request.namespace", "namespace"},
	{"request.kind.kind", "kind"},
	{"request.name", "name"},
	{"object.spec", "pod.spec"},
	{"object.metadata", "pod.metadata"},
	{"object", "pod"},
	{"spec", "pod.spec"},
	{"metadata", "pod.metadata"},
	{"containers", "pod.spec.containers"},
}

// checkInput finds reads of input podpolicy never provides: a field of another tool's input,
// input.pod beyond its metadata and spec, and a field the pod spec does not have.
func (l *linter) checkInput() {
	a := l.ruleAliases()
	for _, m := range l.modules() {
		if isTest(m) {
			l.checkInputLiterals(m)
		}
	}
	for _, m := range l.compiledModules() {
		if isTest(m) {
			continue
		}
		id := l.ruleOfModule(m)
		for _, r := range m.Rules {
			a.eachRead(r, func(ref ast.Ref, loc *ast.Location) {
				if problem, fix := inputProblem(ref, id); problem != "" {
					l.add("input-not-provided", loc, problem, fix)
				}
			})
		}
	}
}

// inputProblem says what is wrong with a read of the input by the rule id ("" in a helper
// package), and the fix; "" when nothing is.
func inputProblem(ref ast.Ref, id string) (string, string) {
	if !ref[0].Equal(ast.InputRootDocument) || len(ref) < 2 {
		return "", ""
	}
	shown := shownRef(ref)
	field, ok := ref[1].Value.(ast.String)
	if !ok {
		return "", ""
	}
	docs := fmt.Sprintf(" (its fields: %s)", library.InputDoc)
	if !slices.Contains(library.InputFields, string(field)) {
		fix := translate(ref)
		if field == "parameters" {
			fix = fmt.Sprintf("read the rule's own setting, config.rules[%q]%s, and declare it with its default in the rule's METADATA (custom.settings)", orPlaceholder(id), tailAfter(ref, 2))
		}
		return fmt.Sprintf("%s reads an input podpolicy never provides, so the rule never fires: %s", shown, whyNot(string(field))), fix + docs
	}
	if field != "pod" || len(ref) < 3 {
		return "", ""
	}
	part, ok := ref[2].Value.(ast.String)
	if !ok {
		return "", ""
	}
	rest := stepsOf(ref[3:])
	switch string(part) {
	case "spec":
		if len(rest) > 0 && (rest[0].field == "template" || rest[0].field == "spec") {
			skip := 4
			for skip < len(ref) && (ref[skip].Equal(ast.StringTerm("spec")) || ref[skip].Equal(ast.StringTerm("template"))) {
				skip++
			}
			return fmt.Sprintf("%s reads the pod spec's %s, which it does not have: input.pod.spec is the pod spec itself, a workload's template's included", shown, rest[0].field),
				fmt.Sprintf("read %s", "input.pod.spec"+tail(ref[skip:])) + docs
		}
		if problem := walkType(podSpecType, rest, "input.pod.spec"); problem != "" {
			return fmt.Sprintf("%s reads a field podpolicy never provides: %s", shown, problem), "name a field of the pod spec (kubectl explain pod.spec)" + docs
		}
	case "metadata":
		if problem := walkType(objectMetaType, rest, "input.pod.metadata"); problem != "" {
			return fmt.Sprintf("%s reads a field podpolicy never provides: %s", shown, problem), "name a field of the pod's metadata (labels, annotations, …)" + docs
		}
	default:
		where := "input.pod holds the pod's metadata and spec"
		if _, inSpec := jsonFields(podSpecType)[string(part)]; inSpec {
			return fmt.Sprintf("%s reads an input podpolicy never provides: %s", shown, where), fmt.Sprintf("read input.pod.spec.%s", strings.TrimPrefix(shown, "input.pod.")) + docs
		}
		return fmt.Sprintf("%s reads an input podpolicy never provides: %s", shown, where), "read input.pod.metadata or input.pod.spec" + docs
	}
	return "", ""
}

func orPlaceholder(id string) string {
	if id == "" {
		return "<the rule's id>"
	}
	return id
}

// localVar matches a variable the compiler made of a rule's own (some c in ...).
var localVar = regexp.MustCompile(`__local\d+__|\$element`)

// shownRef writes a reference as an author wrote it: the compiler's variables as _.
func shownRef(ref ast.Ref) string {
	return localVar.ReplaceAllString(ref.String(), "_")
}

// whyNot says why podpolicy's input has no field name, and what it gives instead.
func whyNot(name string) string {
	if why, known := elsewhere[name]; known {
		return why
	}
	return fmt.Sprintf("input.%s is not a field of podpolicy's input, which holds %s", name, strings.Join(library.InputFields, ", "))
}

// translate says what to read instead of a field of another tool's input.
func translate(ref ast.Ref) string {
	var path []string
	for _, t := range ref[1:] {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		path = append(path, string(s))
	}
	joined := strings.Join(path, ".")
	for _, tr := range translations {
		if joined == tr[0] || strings.HasPrefix(joined, tr[0]+".") {
			return fmt.Sprintf("read input.%s%s", tr[1], strings.TrimPrefix(joined, tr[0])) + tailAfter(ref, len(path)+1)
		}
	}
	return "read podpolicy's input: input.pod (metadata and spec), input.kind, input.operation, input.namespace, input.namespaceLabels, input.name"
}

// tailAfter writes the part of ref after its first n terms (the iterations after a path).
func tailAfter(ref ast.Ref, n int) string {
	if n >= len(ref) {
		return ""
	}
	return tail(ref[n:])
}

// tail writes terms as the end of a reference.
func tail(terms ast.Ref) string {
	if len(terms) == 0 {
		return ""
	}
	s := ast.Ref(append([]*ast.Term{ast.VarTerm("x")}, terms...))
	return strings.TrimPrefix(shownRef(s), "x")
}

// stepsOf turns the terms of a reference into steps through a type.
func stepsOf(terms ast.Ref) []step {
	steps := make([]step, 0, len(terms))
	for _, t := range terms {
		switch v := t.Value.(type) {
		case ast.String:
			steps = append(steps, step{field: string(v)})
		case ast.Number:
			steps = append(steps, step{index: true})
		default:
			steps = append(steps, step{dynamic: true})
		}
	}
	return steps
}

// checkInputLiterals finds a test that gives the rules an input podpolicy never provides:
// with input as {"review": ...}.
func (l *linter) checkInputLiterals(m *ast.Module) {
	ast.WalkExprs(m, func(e *ast.Expr) bool {
		for _, w := range e.With {
			obj, ok := w.Value.Value.(ast.Object)
			if !ok || w.Target.String() != "input" {
				continue
			}
			for _, key := range obj.Keys() {
				name, isString := key.Value.(ast.String)
				if !isString || slices.Contains(library.InputFields, string(name)) {
					continue
				}
				l.add("input-not-provided", key.Location,
					fmt.Sprintf("the test gives the rules input.%s, which podpolicy never provides, so it tests them under an input they never see: %s", string(name), whyNot(string(name))),
					fmt.Sprintf("give the input podpolicy gives: input.pod (metadata and spec), input.kind, input.operation, input.namespace, input.name (its fields: %s)", library.InputDoc))
			}
		}
		return false
	})
}
