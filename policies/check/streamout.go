package check

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/podpolicy/podpolicy/policies"
)

// Output writes a streamed check: Object for each result, in order, then Finish with the
// report of the run. What it writes is what WriteText or WriteJSON writes for the same report
// with every result kept.
type Output interface {
	Object(o *ObjectResult) error
	Finish(r *Report) error
}

// NewTextOutput returns the Output of WriteText.
func NewTextOutput(w io.Writer) Output {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &textOutput{bw: bw, ew: &errWriter{w: bw}}
}

type textOutput struct {
	bw *bufio.Writer
	ew *errWriter
}

func (t *textOutput) Object(o *ObjectResult) error {
	writeTextObject(t.ew, o)
	return t.ew.err
}

func (t *textOutput) Finish(r *Report) error {
	if err := r.writeTextTail(t.ew); err != nil {
		return err
	}
	return t.bw.Flush()
}

// NewJSONOutput returns the Output of WriteJSON for a run of engine.
func NewJSONOutput(w io.Writer, engine *policies.Engine) Output {
	return &jsonOutput{bw: bufio.NewWriterSize(w, 64<<10), evaluator: engine.Evaluator(), fallback: engine.EvaluatorFallback()}
}

type jsonOutput struct {
	bw        *bufio.Writer
	evaluator policies.Evaluator
	fallback  string
	objects   int
	err       error
}

// The indentation of json.Encoder with SetIndent("", "  "): results are at depth 2.
const resultIndent = "    "

func (j *jsonOutput) header() {
	if j.objects > 0 || j.err != nil {
		return
	}
	head := struct {
		Evaluator         policies.Evaluator `json:"evaluator"`
		EvaluatorFallback string             `json:"evaluatorFallback,omitempty"`
	}{j.evaluator, j.fallback}
	data, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		j.err = err
		return
	}
	// {\n  "evaluator": …\n} without its closing brace, followed by the results' key.
	j.write(data[:len(data)-2])
	j.write([]byte(",\n  \"results\": ["))
}

func (j *jsonOutput) write(b []byte) {
	if j.err == nil {
		_, j.err = j.bw.Write(b)
	}
}

func (j *jsonOutput) Object(o *ObjectResult) error {
	j.header()
	data, err := json.MarshalIndent(o, resultIndent, "  ")
	if err != nil {
		return err
	}
	if j.objects > 0 {
		j.write([]byte(","))
	}
	j.write([]byte("\n" + resultIndent))
	j.write(data)
	j.objects++
	return j.err
}

func (j *jsonOutput) Finish(r *Report) error {
	j.header()
	if j.objects == 0 {
		j.write([]byte("]"))
	} else {
		j.write([]byte("\n  ]"))
	}
	tail := struct {
		Skipped []Skipped   `json:"skipped,omitempty"`
		Summary Summary     `json:"summary"`
		Errors  []jsonError `json:"errors,omitempty"`
	}{Skipped: r.Skipped, Summary: r.Summary}
	for _, err := range r.Errors {
		tail.Errors = append(tail.Errors, jsonError{Message: err.Error()})
	}
	data, err := json.MarshalIndent(tail, "", "  ")
	if err != nil {
		return err
	}
	// {\n  "skipped": …\n} goes on after the results as ,\n  "skipped": …\n}.
	j.write([]byte(","))
	j.write(data[1:])
	j.write([]byte("\n"))
	if j.err != nil {
		return j.err
	}
	return j.bw.Flush()
}
