package cases

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/manifest"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// The fields of a cases file.
var (
	fileFields   = []string{"cases"}
	caseFields   = []string{"name", "object", "file", "operation", "oldObject", "oldFile", "namespace", "namespaceLabels", "config", "at", "expect"}
	expectFields = []string{"deny", "warn", "audit", "patch", "paths"}
	patchFields  = []string{"op", "path", "value", "from"}
	operations   = []string{"CREATE", "UPDATE"}
)

// Reader reads a file a case names with file: or oldFile:, by its name relative to the cases
// file.
type Reader func(name string) ([]byte, error)

// ReadFrom reads the files of fsys relative to its folder dir.
func ReadFrom(fsys fs.FS, dir string) Reader {
	return func(name string) ([]byte, error) { return fs.ReadFile(fsys, path.Join(dir, name)) }
}

// Parse reads the cases file src, named file in reports; read reads the files its cases name
// with file: and oldFile:. Every problem is reported, each as file:line: field: what is wrong.
func Parse(file string, src []byte, read Reader) ([]*Case, error) {
	p := &parser{file: file, read: read}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:1: the file holds no cases; write cases: [{name, object, expect}]", file)
		}
		return nil, manifest.YAMLError(file, err)
	}
	cases := p.root(doc.Content[0])
	if len(p.problems) > 0 {
		return nil, errors.New(strings.Join(p.problems, "\n"))
	}
	return cases, nil
}

// parser collects the cases of one file and every problem with its line.
type parser struct {
	file     string
	read     Reader
	problems []string
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	p.problems = append(p.problems, fmt.Sprintf("%s:%d: %s: %s", p.file, n.Line, field, fmt.Sprintf(format, args...)))
}

// fields walks the pairs of a mapping node, reporting keys not in known.
func (p *parser) fields(n *yaml.Node, field string, known []string, each func(key, value *yaml.Node, field string)) bool {
	if n.Kind != yaml.MappingNode {
		p.fail(n, field, "expected a mapping, got %s", describe(n))
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		for value.Kind == yaml.AliasNode {
			value = value.Alias
		}
		sub := key.Value
		if field != "" {
			sub = field + "." + key.Value
		}
		if known != nil && !slices.Contains(known, key.Value) && !(field == "" && strings.HasPrefix(key.Value, extensionPrefix)) {
			p.fail(key, sub, "unknown field (known: %s)", strings.Join(known, ", "))
			continue
		}
		each(key, value, sub)
	}
	return true
}

// extensionPrefix starts the top-level fields a cases file may add to hold YAML anchors that its
// cases share (x-container: &container {...}, then <<: *container), as in Compose files.
const extensionPrefix = "x-"

func (p *parser) root(n *yaml.Node) []*Case {
	var cases []*Case
	found := false
	p.fields(n, "", fileFields, func(key, value *yaml.Node, field string) {
		if strings.HasPrefix(key.Value, extensionPrefix) {
			return
		}
		found = true
		if value.Kind != yaml.SequenceNode || len(value.Content) == 0 {
			p.fail(value, field, "expected a list of cases ({name, object, expect}), got %s", describe(value))
			return
		}
		names := map[string]int{}
		for i, item := range value.Content {
			c := p.testCase(item, fmt.Sprintf("cases[%d]", i))
			if c == nil {
				continue
			}
			if line, seen := names[c.Name]; seen {
				p.fail(item, fmt.Sprintf("cases[%d].name", i), "%q names the case of line %d too; give each case its own name", c.Name, line)
			}
			names[c.Name] = c.Line
			cases = append(cases, c)
		}
	})
	if !found && n.Kind == yaml.MappingNode {
		p.fail(n, "cases", "is required: a list of cases ({name, object, expect})")
	}
	return cases
}

// testCase reads one case; nil when it has a problem (reported).
func (p *parser) testCase(n *yaml.Node, field string) *Case {
	c := &Case{File: p.file, Line: n.Line, Operation: "CREATE"}
	before := len(p.problems)
	seen := map[string]*yaml.Node{}
	var object, old *yaml.Node
	if !p.fields(n, field, caseFields, func(key, value *yaml.Node, sub string) {
		seen[key.Value] = key
		switch key.Value {
		case "name":
			c.Name = p.str(value, sub)
		case "object", "oldObject":
			if value.Kind != yaml.MappingNode {
				p.fail(value, sub, "expected a Kubernetes object (a mapping with apiVersion, kind, metadata and spec), got %s", describe(value))
				return
			}
			if key.Value == "object" {
				object = value
			} else {
				old = value
			}
		case "file", "oldFile":
			if value.Kind != yaml.ScalarNode || value.Value == "" {
				p.fail(value, sub, "expected the path of a manifest, relative to the cases file, got %s", describe(value))
				return
			}
			if key.Value == "file" {
				object = value
			} else {
				old = value
			}
		case "operation":
			c.Operation = p.str(value, sub)
			if !slices.Contains(operations, c.Operation) {
				p.fail(value, sub, "operation %q is not one podpolicy judges (%s)", value.Value, strings.Join(operations, ", "))
			}
		case "namespace":
			c.Namespace = p.str(value, sub)
		case "namespaceLabels":
			c.NamespaceLabels = p.labels(value, sub)
		case "config":
			c.Config = value
		case "at":
			t, err := config.ParseDate(p.str(value, sub))
			if err != nil {
				p.fail(value, sub, "%v", err)
			}
			c.At = t
		case "expect":
			c.Expect = p.expect(value, sub)
		}
	}) {
		return nil
	}
	p.required(n, field, seen, c.Operation)
	if object != nil {
		c.Object, c.objectLine = p.object(object, field+"."+keyOf(seen, "object", "file"))
	}
	if old != nil {
		c.OldObject, c.oldObjectLine = p.object(old, field+"."+keyOf(seen, "oldObject", "oldFile"))
	}
	if own := namespaceOf(c.Object); c.Object != nil && own != "" && c.Namespace != "" && own != c.Namespace {
		p.fail(seen["namespace"], field+".namespace", "the object names namespace %s: kubectl refuses to create it in namespace %s; leave one of them out", own, c.Namespace)
	}
	if c.Namespace == "" && c.Object != nil {
		c.Namespace = namespaceOf(c.Object)
	}
	if c.Namespace == "" {
		c.Namespace = "default"
	}
	c.NamespaceLabels = withNameLabel(c.NamespaceLabels, c.Namespace)
	if len(p.problems) > before {
		return nil
	}
	return c
}

// required reports what a case lacks, or holds twice.
func (p *parser) required(n *yaml.Node, field string, seen map[string]*yaml.Node, operation string) {
	if seen["name"] == nil {
		p.fail(n, field, "name is required: say what the case shows")
	}
	if seen["expect"] == nil {
		p.fail(n, field, "expect is required: the rules that deny, warn and audit the object ({deny: [], warn: [], audit: []} for none)")
	}
	switch {
	case seen["object"] != nil && seen["file"] != nil:
		p.fail(seen["file"], field+".file", "give the object inline (object:) or in a file (file:), not both")
	case seen["object"] == nil && seen["file"] == nil:
		p.fail(n, field, "object is required: the Kubernetes object to judge, inline (object:) or in a manifest (file:)")
	}
	old := seen["oldObject"]
	if old == nil {
		old = seen["oldFile"]
	}
	switch {
	case seen["oldObject"] != nil && seen["oldFile"] != nil:
		p.fail(seen["oldFile"], field+".oldFile", "give the old object inline (oldObject:) or in a file (oldFile:), not both")
	case old != nil && operation != "UPDATE":
		p.fail(old, field+"."+old.Value, "an old object is judged only for an UPDATE; add operation: UPDATE")
	case old == nil && operation == "UPDATE":
		p.fail(seen["operation"], field+".operation", "an UPDATE needs the object before it: add oldObject (or oldFile)")
	}
}

// object reads a case's object: inline, or the manifest a file: value names. It returns the
// object as kubectl would send it and its line.
func (p *parser) object(n *yaml.Node, field string) ([]byte, int) {
	var docs []manifest.Document
	var errs []error
	if n.Kind == yaml.MappingNode {
		docs, errs = manifest.NodeObjects(p.file, n)
	} else {
		if p.read == nil {
			p.fail(n, field, "%s: this cases file cannot name files; give the object inline", n.Value)
			return nil, 0
		}
		data, err := p.read(n.Value)
		if err != nil {
			p.fail(n, field, "%s: %v (the path is relative to the cases file's folder)", n.Value, unwrapPath(err))
			return nil, 0
		}
		docs, errs = manifest.ReadStream(displayPath(p.file, n.Value), bytes.NewReader(data))
	}
	for _, err := range errs {
		p.problems = append(p.problems, fmt.Sprintf("%v (%s)", err, field))
	}
	if len(errs) > 0 {
		return nil, 0
	}
	if len(docs) != 1 {
		p.fail(n, field, "holds %d objects; a case judges one", len(docs))
		return nil, 0
	}
	if _, err := normalize.Decode(docs[0].JSON); err != nil {
		p.problems = append(p.problems, fmt.Sprintf("%s:%d: %s: %v", docs[0].File, docs[0].Line, field, err))
		return nil, 0
	}
	return docs[0].JSON, n.Line
}

func (p *parser) expect(n *yaml.Node, field string) Expect {
	var e Expect
	p.fields(n, field, expectFields, func(key, value *yaml.Node, sub string) {
		switch key.Value {
		case "deny":
			e.Deny = p.names(value, sub)
		case "warn":
			e.Warn = p.names(value, sub)
		case "audit":
			e.Audit = p.names(value, sub)
		case "patch":
			e.Patch, e.PatchLine = p.patch(value, sub), value.Line
		case "paths":
			e.PathsLine = value.Line
			e.Paths = map[string]IDs{}
			p.fields(value, sub, nil, func(rule, paths *yaml.Node, sub string) {
				e.Paths[rule.Value] = p.names(paths, sub)
			})
		}
	})
	return e
}

// names reads a list of strings into a sorted set.
func (p *parser) names(n *yaml.Node, field string) IDs {
	var ids IDs
	if n.Kind != yaml.SequenceNode {
		p.fail(n, field, "expected a list, got %s", describe(n))
		return ids
	}
	seen := map[string]bool{}
	for i, item := range n.Content {
		name := p.str(item, fmt.Sprintf("%s[%d]", field, i))
		if seen[name] {
			p.fail(item, fmt.Sprintf("%s[%d]", field, i), "%q is listed twice", name)
		}
		seen[name] = true
		ids.Names, ids.Lines = append(ids.Names, name), append(ids.Lines, item.Line)
	}
	ids.sort()
	return ids
}

func (p *parser) patch(n *yaml.Node, field string) []policies.PatchOperation {
	ops := []policies.PatchOperation{}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, field, "expected a list of JSON Patch operations ({op, path, value}), got %s", describe(n))
		return ops
	}
	for i, item := range n.Content {
		sub := fmt.Sprintf("%s[%d]", field, i)
		var op policies.PatchOperation
		seen := map[string]bool{}
		if !p.fields(item, sub, patchFields, func(key, value *yaml.Node, sub string) {
			seen[key.Value] = true
			switch key.Value {
			case "op":
				op.Op = p.str(value, sub)
			case "path":
				op.Path = p.str(value, sub)
			case "from":
				op.From = p.str(value, sub)
			case "value":
				if err := value.Decode(&op.Value); err != nil {
					p.fail(value, sub, "%v", err)
				}
			}
		}) {
			continue
		}
		for _, required := range []string{"op", "path"} {
			if !seen[required] {
				p.fail(item, sub, "%s is required", required)
			}
		}
		ops = append(ops, op)
	}
	return ops
}

func (p *parser) labels(n *yaml.Node, field string) map[string]string {
	labels := map[string]string{}
	p.fields(n, field, nil, func(key, value *yaml.Node, sub string) {
		labels[key.Value] = p.str(value, sub)
	})
	return labels
}

// str reads a string scalar: a number or boolean would be a label value or a name kubectl
// refuses, so it must be quoted.
func (p *parser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		p.fail(n, field, "expected a string, got %s (quote it)", describe(n))
		return ""
	}
	return n.Value
}
