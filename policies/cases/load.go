package cases

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/policies/rego"
)

// Load reads the cases of the embedded library and of every cases file below dirs, the policy
// directories lib was loaded with. The built-in cases of a rule a directory replaces are left
// out: they judge the rule the directory replaced. Every problem of every file is reported.
func Load(dirs []string, lib *library.Library) ([]*Case, error) {
	var all []*Case
	var problems []error
	read := func(fsys fs.FS, name func(string) string, files func(string) Reader, keep func(string) bool) error {
		return library.WalkFiles(fsys, FileSuffix, func(p string) error {
			if !keep(p) {
				return nil
			}
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			cases, err := Parse(name(p), src, files(p))
			if err != nil {
				problems = append(problems, err)
			}
			all = append(all, cases...)
			return nil
		})
	}
	builtinKept := func(p string) bool {
		rest, ok := strings.CutPrefix(p, "podpolicy/rules/")
		if !ok {
			return true
		}
		pkg, _, _ := strings.Cut(rest, "/")
		return lib.Builtin("data.podpolicy.rules." + pkg)
	}
	embedded := func(p string) Reader { return ReadFrom(rego.FS, path.Dir(p)) }
	if err := read(rego.FS, library.BuiltinFile, embedded, builtinKept); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	builtin := builtinRules(lib)
	for _, c := range all {
		c.Rules = builtin
	}
	for _, dir := range dirs {
		dir = filepath.Clean(dir)
		prefix := dir + string(filepath.Separator)
		// A directory's cases may name a manifest anywhere, such as the application's own
		// beside the policy directory.
		onDisk := func(p string) Reader {
			folder := filepath.Join(dir, filepath.FromSlash(path.Dir(p)))
			return func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(folder, filepath.FromSlash(name))) }
		}
		if err := read(os.DirFS(dir), func(p string) string { return prefix + filepath.FromSlash(p) }, onDisk, func(string) bool { return true }); err != nil {
			return nil, fmt.Errorf("read cases: %w", err)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return all, nil
}

// builtinRules are the IDs of the rules of lib that are the embedded library's (a rule's ID is
// its package's name with dashes).
func builtinRules(lib *library.Library) map[string]bool {
	ids := map[string]bool{}
	for _, m := range lib.Modules {
		pkg := m.Package.Path.String()
		if name, ok := strings.CutPrefix(pkg, "data.podpolicy.rules."); ok && lib.Builtin(pkg) {
			ids[strings.ReplaceAll(name, "_", "-")] = true
		}
	}
	return ids
}
