package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
	name := o.Name
	if o.GenerateName {
		name += " (generateName)"
	}
	ew.printf("%s %s %s/%s: %s\n", o.Source, o.Kind, o.Namespace, name, verdict(o))
	if o.NoTemplate != "" {
		writeTextLine(ew, o.File(), o.noTemplateLine, "note", o.NoTemplate)
	}
	for j := range o.Violations {
		v := &o.Violations[j]
		writeTextLine(ew, o.File(), o.Line(j), string(v.Action), v.String())
	}
	for j := range o.Excepted {
		e := &o.Excepted[j]
		writeTextLine(ew, o.File(), o.ExceptedLine(j), "excepted", e.String()+" (exception: "+e.Reason+")")
	}
	for _, m := range o.Mutations {
		for _, op := range m.Patch {
			value, _ := json.Marshal(op.Value)
			ew.printf("  mutate [%s] %s %s %s\n", m.Rule, op.Op, op.Path, value)
		}
	}
}

// writeTextLine writes one line of an object: where, what it leads to, and the violation.
func writeTextLine(ew *errWriter, file string, line int, action, text string) {
	if file != "" {
		ew.printf("  %s:%d: %s %s\n", file, line, action, text)
	} else {
		ew.printf("  %s %s\n", action, text)
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
	switch {
	case o.Exempt:
		return "exempt (namespace excluded by config)"
	case o.NoTemplate != "":
		return "not judged (no pod template of its own)"
	}
	counts := map[policies.Action]int{}
	for _, v := range o.Violations {
		counts[v.Action]++
	}
	var parts []string
	for _, a := range []policies.Action{policies.Deny, policies.Warn, policies.Audit} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	if len(o.Excepted) > 0 {
		parts = append(parts, fmt.Sprintf("%d excepted", len(o.Excepted)))
	}
	listed := ""
	if len(parts) > 0 {
		listed = " (" + strings.Join(parts, ", ") + ")"
	}
	switch {
	case counts[policies.Deny] > 0:
		return "denied" + listed
	case counts[policies.Warn] > 0:
		return "admitted with warnings" + listed
	default:
		return "admitted" + listed
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
