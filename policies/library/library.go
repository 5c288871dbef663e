package policies

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// builtinFS is the embedded Rego library.
//
//go:embed all:rego
var builtinFS embed.FS

const (
	builtinRoot       = "rego"
	defaultConfigFile = "rego/podpolicy/config/data.yaml"
	testFileSuffix    = "_test.rego"
)

// library is a parsed set of Rego modules: the embedded library with the files of the policy
// directories laid over it.
type library struct {
	// modules are the policy modules, keyed by file name.
	modules map[string]*ast.Module
	// tests are the _test.rego modules, keyed by file name.
	tests map[string]*ast.Module
}

// loadLibrary parses the embedded library and every .rego file below dirs. A directory module
// whose package is also a built-in package replaces the built-in modules of that package, so a
// policy author can override one rule without copying the library.
func loadLibrary(dirs []string) (*library, error) {
	lib := &library{modules: map[string]*ast.Module{}, tests: map[string]*ast.Module{}}
	if err := lib.addFS(builtinFS, builtinRoot, "builtin:"); err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		overlay := &library{modules: map[string]*ast.Module{}, tests: map[string]*ast.Module{}}
		info, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("policy directory: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("policy directory %s: not a directory", dir)
		}
		if err := overlay.addFS(os.DirFS(dir), ".", dir+string(filepath.Separator)); err != nil {
			return nil, err
		}
		lib.overlay(overlay)
	}
	return lib, nil
}

// addFS parses every .rego file below root of fsys; prefix turns a path into the file name
// that errors and coverage reports show.
func (l *library) addFS(fsys fs.FS, root, prefix string) error {
	var errs ast.Errors
	err := fs.WalkDir(fsys, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// A ConfigMap volume keeps the real files in "..<timestamp>" directories behind
			// symlinks; read only the symlinked names, and skip other hidden directories too.
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".rego") {
			return nil
		}
		src, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		name := prefix + strings.TrimPrefix(strings.TrimPrefix(path, root), "/")
		module, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{
			ProcessAnnotation: true,
			RegoVersion:       ast.RegoV1,
		})
		if err != nil {
			errs = append(errs, asASTErrors(err)...)
			return nil
		}
		if strings.HasSuffix(path, testFileSuffix) {
			l.tests[name] = module
		} else {
			l.modules[name] = module
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read policies: %w", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("parse policies: %w", errs)
	}
	return nil
}

// overlay adds the modules of o, replacing the modules of every package o defines.
func (l *library) overlay(o *library) {
	replaced := map[string]bool{}
	for _, m := range o.modules {
		replaced[m.Package.Path.String()] = true
	}
	for name, m := range l.modules {
		if replaced[m.Package.Path.String()] {
			delete(l.modules, name)
		}
	}
	for name, m := range o.modules {
		l.modules[name] = m
	}
	for name, m := range o.tests {
		l.tests[name] = m
	}
}

// withTests returns the policy modules together with the test modules.
func (l *library) withTests() map[string]*ast.Module {
	all := make(map[string]*ast.Module, len(l.modules)+len(l.tests))
	for name, m := range l.modules {
		all[name] = m
	}
	for name, m := range l.tests {
		all[name] = m
	}
	return all
}

// fileNames returns the sorted names of the policy modules.
func (l *library) fileNames() []string {
	names := make([]string, 0, len(l.modules))
	for name := range l.modules {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// asASTErrors unwraps OPA's parse and compile errors, which carry file and row, so they can be
// reported one per line as file:line: message.
func asASTErrors(err error) ast.Errors {
	if errs, ok := err.(ast.Errors); ok {
		return errs
	}
	return ast.Errors{ast.NewError(ast.ParseErr, nil, "%s", err.Error())}
}
