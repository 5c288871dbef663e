package lint

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteText writes the findings one a line, file:line: [check] what is wrong; fix: the fix,
// then a summary.
func (r *Report) WriteText(w io.Writer) error {
	for _, f := range r.Findings {
		if _, err := fmt.Fprintln(w, f.String()); err != nil {
			return err
		}
	}
	files := map[string]bool{}
	for _, f := range r.Findings {
		files[f.File] = true
	}
	_, err := fmt.Fprintf(w, "%d files linted: %d findings in %d files\n", len(r.Files), len(r.Findings), len(files))
	return err
}

// WriteJSON writes the report as one JSON object: files and findings.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
