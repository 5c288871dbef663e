// Package lint checks Rego policies as `podpolicy lint` does: against podpolicy's contract
// with its rules (tests for every rule, paths relative to the pod spec, only the input
// podpolicy gives, each rule reading its own declared settings and every declared setting
// read) and for the mistakes of Regal's "bugs" category that apply to podpolicy's rules. Each
// finding names its file and line, what is wrong and the fix; `# lint:ignore <check>
// <reason>` on its line, or on the line above, silences a finding that is meant.
package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/cases"
	"github.com/podpolicy/podpolicy/policies/library"
)

// Finding is one mistake, at its file and line.
type Finding struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Check is the ID of the check that found it, which # lint:ignore names.
	Check   string `json:"check"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// Regal names the rule of Regal's bugs category the check mirrors, if any.
	Regal string `json:"regal,omitempty"`
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s:%d: [%s] %s; fix: %s", f.File, f.Line, f.Check, f.Message, f.Fix)
	if f.Regal != "" {
		s += " (Regal: " + f.Regal + ")"
	}
	return s
}

// Report is the outcome of a lint run.
type Report struct {
	// Files are the files linted.
	Files    []string  `json:"files"`
	Findings []Finding `json:"findings"`
}

// Run lints the policy directories dirs (the embedded library when there are none), laid over
// the library as podpolicy loads them. An error means the policies could not be read: a file
// that does not parse or compile, a cases file that does not load, a directory that is not
// there.
func Run(dirs []string) (*Report, error) {
	l, err := newLinter(dirs)
	if err != nil {
		return nil, err
	}
	for _, pass := range passes() {
		pass(l)
	}
	return l.report(), nil
}

// linter holds what the checks read: the library in its forms, the cases, the defaults, and
// the findings so far.
type linter struct {
	lib *library.Library
	// compiled holds the policy and test modules compiled together; catalog the rules.
	compiled *ast.Compiler
	catalog  *library.Catalog
	cases    []*cases.Case
	defaults *defaults
	// target reports whether a file is one of those linted.
	target   func(file string) bool
	findings []Finding
}

func newLinter(dirs []string) (*linter, error) {
	for _, dir := range dirs {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return nil, fmt.Errorf("policy directory %s: not a directory", dir)
		}
	}
	lib, err := library.Load(dirs)
	if err != nil {
		return nil, err
	}
	_, catalog, err := lib.Compile()
	if err != nil {
		return nil, err
	}
	compiled := ast.NewCompiler().WithStrict(true)
	if compiled.Compile(lib.WithTests()); compiled.Failed() {
		return nil, fmt.Errorf("compile tests: %w", compiled.Errors)
	}
	all, err := cases.Load(dirs, lib)
	if err != nil {
		return nil, err
	}
	d, err := loadDefaults(dirs)
	if err != nil {
		return nil, err
	}
	l := &linter{lib: lib, compiled: compiled, catalog: catalog, cases: all, defaults: d}
	l.target = func(file string) bool { return strings.HasPrefix(file, library.BuiltinFile("")) }
	if len(dirs) > 0 {
		prefixes := make([]string, len(dirs))
		for i, dir := range dirs {
			prefixes[i] = filepath.Clean(dir) + string(filepath.Separator)
		}
		l.target = func(file string) bool {
			for _, p := range prefixes {
				if strings.HasPrefix(file, p) {
					return true
				}
			}
			return false
		}
	}
	return l, nil
}

// add records a finding of check at loc.
func (l *linter) add(check string, loc *ast.Location, message, fix string) {
	file, line := "", 0
	if loc != nil {
		file, line = loc.File, loc.Row
	}
	l.addAt(check, file, line, message, fix)
}

// addAt records a finding of check at file:line.
func (l *linter) addAt(check, file string, line int, message, fix string) {
	l.findings = append(l.findings, Finding{File: file, Line: line, Check: check, Message: message, Fix: fix, Regal: regalOf(check)})
}

// modules returns the parsed policy and test modules of the linted files, by file name, sorted.
func (l *linter) modules() []*ast.Module {
	var out []*ast.Module
	for name, m := range l.lib.WithTests() {
		if l.target(name) {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package.Location.File < out[j].Package.Location.File })
	return out
}

// compiledModules returns the compiled forms of the linted modules, sorted by file name.
func (l *linter) compiledModules() []*ast.Module {
	var out []*ast.Module
	for name, m := range l.compiled.Modules {
		if l.target(name) {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Package.Location.File < out[j].Package.Location.File })
	return out
}

// report keeps the findings in the linted files that no directive silences, adds the
// findings about the directives, and sorts them.
func (l *linter) report() *Report {
	r := &Report{Files: l.files(), Findings: []Finding{}}
	directives := l.directives()
	for _, f := range l.findings {
		if !l.target(f.File) || directives.silence(f) {
			continue
		}
		r.Findings = append(r.Findings, f)
	}
	r.Findings = append(r.Findings, directives.findings()...)
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Check < b.Check
	})
	r.Findings = dedupe(r.Findings)
	return r
}

// dedupe drops a finding equal to the one before it (a mistake two checks' paths reach twice).
func dedupe(findings []Finding) []Finding {
	out := findings[:0]
	for i, f := range findings {
		if i > 0 && f == findings[i-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// files are the files linted: Rego, cases and, for the library, its defaults.
func (l *linter) files() []string {
	var files []string
	for name := range l.lib.WithTests() {
		if l.target(name) {
			files = append(files, name)
		}
	}
	seen := map[string]bool{}
	for _, c := range l.cases {
		if l.target(c.File) && !seen[c.File] {
			seen[c.File] = true
			files = append(files, c.File)
		}
	}
	if l.target(l.defaults.file) {
		files = append(files, l.defaults.file)
	}
	sort.Strings(files)
	return files
}
