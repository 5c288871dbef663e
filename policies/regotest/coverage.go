package regotest

import (
	"fmt"
	"io"
	"sort"

	"github.com/open-policy-agent/opa/v1/cover"
)

// writeCoverage writes the share of policy lines the tests evaluated, per file and overall.
func writeCoverage(w io.Writer, report cover.Report, threshold float64) {
	files := make([]string, 0, len(report.Files))
	for name := range report.Files {
		files = append(files, name)
	}
	sort.Strings(files)
	fmt.Fprintln(w, "coverage:")
	for _, name := range files {
		f := report.Files[name]
		fmt.Fprintf(w, "  %6.1f%%  %s", f.Coverage, name)
		if len(f.NotCovered) > 0 {
			fmt.Fprintf(w, "  (not covered: lines %s)", ranges(f.NotCovered))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %6.1f%%  total", report.Coverage)
	if threshold > 0 {
		fmt.Fprintf(w, " (threshold %.1f%%)", threshold)
	}
	fmt.Fprintln(w)
}

func ranges(rs []cover.Range) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += ", "
		}
		if r.Start.Row == r.End.Row {
			out += fmt.Sprint(r.Start.Row)
		} else {
			out += fmt.Sprintf("%d-%d", r.Start.Row, r.End.Row)
		}
	}
	return out
}
