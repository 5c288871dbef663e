package check

import (
	"encoding/json"
	"io"
)

// jsonError is an input error in the JSON report.
type jsonError struct {
	Message string `json:"message"`
}

// WriteJSON writes the report as one JSON object (shown in the README), with the input errors under
// "errors".
func (r *Report) WriteJSON(w io.Writer) error {
	out := struct {
		*Report
		Errors []jsonError `json:"errors,omitempty"`
	}{Report: r}
	for _, err := range r.Errors {
		out.Errors = append(out.Errors, jsonError{Message: err.Error()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
