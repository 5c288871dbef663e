package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes one finding a line, worst first, then the checks that could not run, and
// a summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Findings {
		where := f.Object.String()
		if f.Field != "" {
			where += " " + f.Field
		}
		fmt.Fprintf(&b, "%s [%s] %s: %s; fix: %s\n", f.Severity, f.Check, where, f.Message, f.Fix)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "error [%s] could not check: %s\n", e.Check, e.message())
	}
	b.WriteString(r.summary())
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is the last line of the text output.
func (r *Report) summary() string {
	release := r.Release
	if release == "" {
		release = "(no helm release label)"
	}
	s := fmt.Sprintf("release %s in namespace %s: ", release, r.Namespace)
	if len(r.Findings) == 0 {
		s += "no findings"
	} else {
		var counts []string
		for _, sev := range []Severity{Critical, High, Medium, Low} {
			n := 0
			for _, f := range r.Findings {
				if f.Severity == sev {
					n++
				}
			}
			if n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		s += fmt.Sprintf("%s (%s)", plural(len(r.Findings), "finding"), strings.Join(counts, ", "))
	}
	s += fmt.Sprintf("; %s run", plural(len(r.Checks), "check"))
	if len(r.Skipped) > 0 {
		var skipped []string
		for _, k := range r.Skipped {
			skipped = append(skipped, k.Check+" ("+k.Reason+")")
		}
		s += ", skipped: " + strings.Join(skipped, ", ")
	}
	if len(r.Errors) > 0 {
		s += fmt.Sprintf("; %s could not run", plural(len(r.Errors), "check"))
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// WriteJSON writes the report as one JSON object: release, namespace, findings, checks, and
// skipped and errors when there are any.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// jsonObject encodes string pairs as a JSON object, in order.
func jsonObject(pairs ...string) ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(pairs[i])
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(pairs[i+1])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
