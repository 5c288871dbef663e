// Package scaffold writes the files of a new rule, as `podpolicy new rule` does: the rule with
// its METADATA and a setting, its Rego tests and its manifest cases, which pass podpolicy test
// and podpolicy lint as written and are meant to be edited.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/podpolicy/podpolicy/policies/library"
)

//go:embed templates
var templates embed.FS

// idPattern is what a rule ID may be: lowercase words joined by dashes, as the built-in
// rules' (the package name is the ID with underscores).
var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// files are the templates of a rule folder, by the suffix of the file each writes after the
// package name.
var files = []struct{ template, suffix string }{
	{"rule.rego.tmpl", ".rego"},
	{"rule_test.rego.tmpl", "_test.rego"},
	{"rule.cases.yaml.tmpl", ".cases.yaml"},
}

// rule is what the templates fill in.
type rule struct {
	ID, Package, Title string
}

// Rule writes the folder of a new rule id under dir (created when missing) and returns the
// paths of the files it wrote. It refuses an ID that is not lowercase words joined by dashes,
// the ID of a built-in rule or of a rule dir already holds, and a folder that exists: it never
// overwrites a file.
func Rule(dir, id string) ([]string, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("rule ID %q: use lowercase words joined by dashes, such as allowed-registries (the package is its name with underscores)", id)
	}
	r := rule{ID: id, Package: strings.ReplaceAll(id, "-", "_"), Title: title(id)}
	if err := unused(dir, r); err != nil {
		return nil, err
	}
	folder := filepath.Join(dir, r.Package)
	if _, err := os.Stat(folder); err == nil {
		return nil, fmt.Errorf("%s exists: podpolicy new rule never overwrites a file; choose another ID or remove the folder", folder)
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, fmt.Errorf("create the rule's folder: %w", err)
	}
	var written []string
	for _, f := range files {
		t, err := template.ParseFS(templates, "templates/"+f.template)
		if err != nil {
			return written, fmt.Errorf("read the template %s: %w", f.template, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, r); err != nil {
			return written, fmt.Errorf("fill in %s: %w", f.template, err)
		}
		path := filepath.Join(folder, r.Package+f.suffix)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return written, fmt.Errorf("write %s: %w", path, err)
		}
		written = append(written, path)
	}
	return written, nil
}

// unused refuses the ID of a built-in rule, or of a rule the policy directory dir defines.
func unused(dir string, r rule) error {
	dirs := []string{dir}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		dirs = nil
	}
	lib, err := library.Load(dirs)
	if err != nil {
		return fmt.Errorf("read the policies of %s: %w", dir, err)
	}
	for name, m := range lib.Modules {
		if m.Package.Path.String() != "data.podpolicy.rules."+r.Package {
			continue
		}
		if lib.Builtin(m.Package.Path.String()) {
			return fmt.Errorf("rule %s is built in; to change it, write a rule of package podpolicy.rules.%s in your policy directory, which replaces the built-in one", r.ID, r.Package)
		}
		return fmt.Errorf("rule %s is already defined, in %s", r.ID, name)
	}
	return nil
}

// title makes a rule's title of its ID: allowed-registries is "Allowed registries".
func title(id string) string {
	words := strings.ReplaceAll(id, "-", " ")
	return strings.ToUpper(words[:1]) + words[1:]
}
