package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

// streamInputs mix every kind of outcome: judged objects with violations and patches, a List,
// skipped kinds, a syntax error, objects without kind and of an unknown kind, a missing file.
var streamInputs = []string{
	"../../examples", "testdata/mixed.yaml", "testdata/list.json", "testdata/broken.yaml",
	"testdata/no-kind.yaml", "testdata/typo-kind.yaml", "testdata/bad-shape.yaml", "testdata/missing.yaml",
}

func streamed(t *testing.T, engine *policies.Engine, jobs int, format string) (string, *Report) {
	t.Helper()
	var buf bytes.Buffer
	out := NewTextOutput(&buf)
	if format == "json" {
		out = NewJSONOutput(&buf, engine)
	}
	r, err := Stream(context.Background(), engine, streamInputs, nil, StreamOptions{Jobs: jobs}, out.Object)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Finish(r); err != nil {
		t.Fatal(err)
	}
	return buf.String(), r
}

// The streamed text and JSON are byte for byte what WriteText and WriteJSON write for the
// same run with every result kept, and the same on one worker as on eight.
func TestStreamedOutputIsTheReportsWhateverTheWorkers(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := Stream(context.Background(), engine, streamInputs, nil, StreamOptions{Jobs: 1, Keep: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Summary.Objects < 9 || kept.Summary.Denied == 0 || len(kept.Skipped) == 0 || len(kept.Errors) < 4 {
		t.Fatalf("the inputs should give objects, denials, skipped objects and errors: %+v, %d skipped, %d errors", kept.Summary, len(kept.Skipped), len(kept.Errors))
	}
	for _, format := range []string{"text", "json"} {
		var want bytes.Buffer
		if format == "json" {
			err = kept.WriteJSON(&want)
		} else {
			err = kept.WriteText(&want)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, jobs := range []int{1, 2, 8} {
			got, r := streamed(t, engine, jobs, format)
			if got != want.String() {
				t.Errorf("%s with %d workers differs from the report's:\n--- streamed\n%s\n--- report\n%s", format, jobs, got, want.String())
			}
			if len(r.Results) != 0 {
				t.Errorf("%s with %d workers kept %d results; a streamed run keeps none", format, jobs, len(r.Results))
			}
			if r.Summary != kept.Summary {
				t.Errorf("%s with %d workers: summary %+v, want %+v", format, jobs, r.Summary, kept.Summary)
			}
		}
	}
}

// Results keep the file and line of each violation's field after their document is dropped.
func TestStreamedResultsKeepTheirLines(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	_, err = Stream(context.Background(), engine, []string{"../../examples/web-server-pod.yaml"}, nil, StreamOptions{Jobs: 4}, func(o *ObjectResult) error {
		for j, v := range o.Violations {
			if v.Rule == "image-tag-pinned" {
				lines = append(lines, fmt.Sprintf("%s:%d", o.File(), o.Line(j)))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// examples/web-server-pod.yaml: the image is on line 16.
	if strings.Join(lines, ",") != "../../examples/web-server-pod.yaml:16" {
		t.Errorf("image-tag-pinned at %v, want ../../examples/web-server-pod.yaml:16", lines)
	}
}

// An error of the output stops the run and is returned.
func TestStreamStopsAtAnOutputError(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("disk full")
	calls := 0
	_, err = Stream(context.Background(), engine, []string{"../../examples"}, nil, StreamOptions{Jobs: 2}, func(*ObjectResult) error {
		calls++
		return broken
	})
	if !errors.Is(err, broken) || calls != 1 {
		t.Errorf("Stream returned %v after %d calls, want the output's error after 1", err, calls)
	}
}

// TestStreamReusesParsedNodesSafely: Stream hands each document's parsed nodes on to the next
// document once the first is judged. Over documents of every shape, each repeated so that
// their nodes are reused many times over on two workers, its report (text, with each
// violation's line, and JSON) is byte for byte that of Run over the same documents read by the
// serial reader, which reuses nothing.
func TestStreamReusesParsedNodesSafely(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	for range 5 {
		for _, path := range []string{"../../examples/deployment.yaml", "../../examples/web-server-pod.yaml", "testdata/mixed.yaml", "../../examples/cronjob.yaml"} {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&stream, "---\n%s\n", data)
		}
	}
	path := filepath.Join(t.TempDir(), "stream.yaml")
	if err := os.WriteFile(path, stream.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	streamedReport, err := Stream(context.Background(), engine, []string{path}, nil, StreamOptions{Jobs: 2, Keep: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs, readErrs := manifest.Read([]string{path}, nil)
	if len(readErrs) != 0 || len(docs) < 20 {
		t.Fatalf("the serial reader read %d documents and %v", len(docs), readErrs)
	}
	serialReport := Run(context.Background(), engine, docs, readErrs)
	for _, format := range []string{"text", "json"} {
		var got, want bytes.Buffer
		if format == "json" {
			err = errors.Join(streamedReport.WriteJSON(&got), serialReport.WriteJSON(&want))
		} else {
			err = errors.Join(streamedReport.WriteText(&got), serialReport.WriteText(&want))
		}
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("the streamed %s report differs from the serial one:\n--- streamed\n%s\n--- serial\n%s", format, got.String(), want.String())
		}
	}
}
