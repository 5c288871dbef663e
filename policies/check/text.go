package check

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/podpolicy/podpolicy/policies"
)

// WriteText writes the report for people: per object its verdict, then one line per
// violation as file:line: action [rule] …, the patch podpolicy would apply, skipped objects,
// input errors and a summary.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	for i := range r.Results {
		writeTextObject(ew, &r.Results[i])
	}
	return r.writeTextTail(ew)
}

// writeTextObject writes one object's verdict, violations and patch.
func writeTextObject(ew *errWriter, o *ObjectResult) {
	ew.printf("%s %s %s/%s: %s\n", o.Source, o.Kind, o.Namespace, o.Name, verdict(o))
	for j := range o.Violations {
		v := &o.Violations[j]
		if file := o.File(); file != "" {
			ew.printf("  %s:%d: %s %s\n", file, o.Line(j), v.Action, v.String())
		} else {
			ew.printf("  %s %s\n", v.Action, v.String())
		}
	}
	for _, m := range o.Mutations {
		for _, op := range m.Patch {
			value, _ := json.Marshal(op.Value)
			ew.printf("  mutate [%s] %s %s %s\n", m.Rule, op.Op, op.Path, value)
		}
	}
}

// writeTextTail writes what follows the objects: skipped objects, input errors, the summary.
func (r *Report) writeTextTail(ew *errWriter) error {
	for _, s := range r.Skipped {
		ew.printf("%s %s %s: skipped (kind not evaluated by podpolicy)\n", s.Source, s.Kind, s.Name)
	}
	for _, err := range r.Errors {
		ew.printf("error: %v\n", err)
	}
	ew.printf("%d objects checked: %d denied, %d warned, %d skipped, %d errors\n",
		r.Summary.Objects, r.Summary.Denied, r.Summary.Warned, len(r.Skipped), len(r.Errors))
	return ew.err
}

func verdict(o *ObjectResult) string {
	if o.Exempt {
		return "exempt (namespace excluded by config)"
	}
	deny, warn := 0, 0
	for _, v := range o.Violations {
		switch v.Action {
		case policies.Deny:
			deny++
		case policies.Warn:
			warn++
		}
	}
	switch {
	case deny > 0:
		return fmt.Sprintf("denied (%d violation(s))", deny)
	case warn > 0:
		return fmt.Sprintf("admitted with %d warning(s)", warn)
	default:
		return "ok"
	}
}

// errWriter remembers the first write error so the writers can print freely.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
