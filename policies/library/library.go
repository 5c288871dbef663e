// Package library loads podpolicy's Rego library (embedded, with policy directories laid
// over it), compiles it, and reads the metadata of its rules into a catalog, holding every
// rule package to the contract the engine relies on.
package library

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/rego"
)

// TestFileSuffix ends the name of a Rego test file.
const TestFileSuffix = "_test.rego"

// builtinPrefix starts the file names of the embedded modules in errors and coverage reports.
const builtinPrefix = "builtin:"

// Library is a parsed set of Rego modules: the embedded library with the files of the policy
// directories laid over it.
type Library struct {
	// Modules are the policy modules, keyed by file name.
	Modules map[string]*ast.Module
	// Tests are the _test.rego modules, keyed by file name.
	Tests map[string]*ast.Module
}

func newLibrary() *Library {
	return &Library{Modules: map[string]*ast.Module{}, Tests: map[string]*ast.Module{}}
}

// Load parses the embedded library and every .rego file below dirs. A directory module whose
// package is also a built-in package replaces the built-in modules of that package, so a
// policy author can override one rule without copying the library.
func Load(dirs []string) (*Library, error) {
	return loadLibrary(dirs, true)
}

// LoadPolicies is Load without the embedded library's tests, which only `podpolicy test` and
// lint read: the engine compiles the policy modules alone, and the tests were more than half
// of the text it parsed at every start (of `podpolicy check` too). The tests of dirs are read
// as Load reads them, so one that does not parse is refused as before.
func LoadPolicies(dirs []string) (*Library, error) {
	return loadLibrary(dirs, false)
}

func loadLibrary(dirs []string, builtinTests bool) (*Library, error) {
	lib := newLibrary()
	if err := lib.addFS(rego.FS, builtinPrefix, builtinTests); err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		dir = filepath.Clean(dir)
		overlay := newLibrary()
		info, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("policy directory: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("policy directory %s: not a directory", dir)
		}
		if err := overlay.addFS(os.DirFS(dir), dir+string(filepath.Separator), true); err != nil {
			return nil, err
		}
		lib.overlay(overlay)
	}
	return lib, nil
}

// addFS parses every .rego file of fsys, the tests only when tests is set; prefix turns a path
// into the file name that errors and coverage reports show.
func (l *Library) addFS(fsys fs.FS, prefix string, tests bool) error {
	var errs ast.Errors
	err := WalkFiles(fsys, ".rego", func(path string) error {
		if !tests && strings.HasSuffix(path, TestFileSuffix) {
			return nil
		}
		src, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		name := prefix + path
		module, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{
			ProcessAnnotation: true,
			RegoVersion:       ast.RegoV1,
		})
		if err != nil {
			errs = append(errs, asASTErrors(err)...)
			return nil
		}
		if strings.HasSuffix(path, TestFileSuffix) {
			l.Tests[name] = module
		} else {
			l.Modules[name] = module
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

// WalkFiles calls fn with the path of every file of fsys whose name ends in suffix, in lexical
// order, as the policies are read from a policy directory.
func WalkFiles(fsys fs.FS, suffix string, fn func(path string) error) error {
	return fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// A ConfigMap volume keeps the real files in "..<timestamp>" directories behind
			// symlinks; read only the symlinked names, and skip other hidden directories too.
			if path != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, suffix) {
			return nil
		}
		return fn(path)
	})
}

// overlay adds the modules of o, replacing the modules of every package o defines, and the
// test modules of every test package o defines (so that a directory holding a copy of the
// library runs each test once). The tests of a rule o replaces go too: they test the rule that
// is no longer loaded.
func (l *Library) overlay(o *Library) {
	replacedTests := map[string]bool{}
	for _, m := range o.Modules {
		replacedTests[m.Package.Path.String()+"_test"] = true
	}
	for name, m := range l.Tests {
		if replacedTests[m.Package.Path.String()] {
			delete(l.Tests, name)
		}
	}
	replace(l.Modules, o.Modules)
	replace(l.Tests, o.Tests)
}

// replace drops the modules of dst whose package a module of src defines, then adds src's.
func replace(dst, src map[string]*ast.Module) {
	replaced := map[string]bool{}
	for _, m := range src {
		replaced[m.Package.Path.String()] = true
	}
	for name, m := range dst {
		if replaced[m.Package.Path.String()] {
			delete(dst, name)
		}
	}
	maps.Copy(dst, src)
}

// Builtin reports whether the modules of package pkg (data.podpolicy.rules.host_ports) are the
// embedded library's: false when a policy directory replaced them, or when no module has it.
func (l *Library) Builtin(pkg string) bool {
	for name, m := range l.Modules {
		if m.Package.Path.String() == pkg {
			return strings.HasPrefix(name, builtinPrefix)
		}
	}
	return false
}

// BuiltinFile names a file of the embedded library (podpolicy/config/data.yaml) as errors and
// reports name it.
func BuiltinFile(path string) string { return builtinPrefix + path }

// WithTests returns the policy modules together with the test modules.
func (l *Library) WithTests() map[string]*ast.Module {
	all := make(map[string]*ast.Module, len(l.Modules)+len(l.Tests))
	for name, m := range l.Modules {
		all[name] = m
	}
	for name, m := range l.Tests {
		all[name] = m
	}
	return all
}

// FileNames returns the sorted names of the policy modules.
func (l *Library) FileNames() []string {
	names := make([]string, 0, len(l.Modules))
	for name := range l.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Compile compiles the policy modules (strictly, as `opa check --strict` does) and reads the
// catalog of their rules.
func (l *Library) Compile() (*ast.Compiler, *Catalog, error) {
	compiler := ast.NewCompiler().WithStrict(true)
	if compiler.Compile(l.Modules); compiler.Failed() {
		return nil, nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}
	cat, err := NewCatalog(compiler)
	if err != nil {
		return nil, nil, err
	}
	return compiler, cat, nil
}

// asASTErrors unwraps OPA's parse and compile errors, which carry file and row, so they can be
// reported one per line as file:line: message.
func asASTErrors(err error) ast.Errors {
	if errs, ok := err.(ast.Errors); ok {
		return errs
	}
	return ast.Errors{ast.NewError(ast.ParseErr, nil, "%s", err.Error())}
}
