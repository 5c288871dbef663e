package lint

import (
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/policies/rego"
)

// directivePattern matches a # lint:ignore comment: the check it names and the reason.
var directivePattern = regexp.MustCompile(`(?:^|\s)#\s*lint:ignore(?:\s+(\S+))?(?:\s+(.*))?$`)

// directive is one # lint:ignore comment.
type directive struct {
	file          string
	line          int
	check, reason string
	// covers are the lines it silences: its own (a comment after code) and the first line
	// of code below it.
	covers [2]int
	used   bool
}

// directives are the # lint:ignore comments of the linted files.
type directives []*directive

// directives reads the # lint:ignore comments of every linted file.
func (l *linter) directives() directives {
	var out directives
	for _, file := range l.files() {
		src, err := readSource(file)
		if err != nil {
			continue
		}
		lines := strings.Split(string(src), "\n")
		for i, text := range lines {
			m := directivePattern.FindStringSubmatch(text)
			if m == nil {
				continue
			}
			d := &directive{file: file, line: i + 1, check: m[1], reason: strings.TrimSpace(m[2]), covers: [2]int{i + 1, i + 1}}
			for j := i + 1; j < len(lines); j++ {
				if code := strings.TrimSpace(lines[j]); code != "" && !strings.HasPrefix(code, "#") {
					d.covers[1] = j + 1
					break
				}
			}
			out = append(out, d)
		}
	}
	return out
}

// readSource reads a linted file: the embedded library's, or one of a policy directory.
func readSource(file string) ([]byte, error) {
	if name, ok := strings.CutPrefix(file, library.BuiltinFile("")); ok {
		return fs.ReadFile(rego.FS, name)
	}
	return os.ReadFile(file)
}

// silence reports whether a well-formed directive silences f, and marks it used.
func (ds directives) silence(f Finding) bool {
	for _, d := range ds {
		if d.file == f.File && d.check == f.Check && d.reason != "" && (f.Line == d.covers[0] || f.Line == d.covers[1]) {
			d.used = true
			return true
		}
	}
	return false
}

// findings are the mistakes of the directives themselves: a missing reason, an unknown check,
// a directive that silenced nothing.
func (ds directives) findings() []Finding {
	var out []Finding
	add := func(d *directive, check, message, fix string) {
		out = append(out, Finding{File: d.file, Line: d.line, Check: check, Message: message, Fix: fix})
	}
	for _, d := range ds {
		switch {
		case d.check == "" || !known(d.check):
			add(d, "lint-ignore-unknown-check", fmt.Sprintf("# lint:ignore names %s, which is no check of podpolicy lint", quoteOr(d.check, "no check")),
				"name the check of the finding to silence, as the finding shows it in brackets ([unread-setting]), then the reason")
		case d.reason == "":
			add(d, "lint-ignore-without-reason", fmt.Sprintf("# lint:ignore %s gives no reason, so it silences nothing", d.check),
				fmt.Sprintf("say why the finding is meant: # lint:ignore %s <reason>", d.check))
		case !d.used:
			add(d, "lint-ignore-unused", fmt.Sprintf("# lint:ignore %s silences nothing: no %s finding is on this line or the next line of code", d.check, d.check),
				"remove the directive, or move it onto the line of the finding or just above it")
		}
	}
	return out
}

func quoteOr(s, none string) string {
	if s == "" {
		return none
	}
	return fmt.Sprintf("%q", s)
}
