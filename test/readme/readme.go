// Package readme reads the steps of a walkthrough written in a README section and runs them,
// so that the walkthrough cannot rot: test/readme runs the steps on this machine in make unit,
// test/e2e/walkthrough runs them all, the cluster's too, on a real node.
//
// A step is a fenced block with an HTML comment above it, which GitHub does not show:
//
//	<!-- walkthrough -->                    a console block, run here
//	<!-- walkthrough: cluster -->           a console block, run on the cluster only
//	<!-- walkthrough: cluster, retry 3m --> ... each command run again until it does as shown
//	<!-- walkthrough: file PATH -->         a block whose text is written to PATH
//
// In a console block, a line starting with "$ " is a command (a line ending in \ goes on); the
// lines below it, up to the next command, are its output as shown. A command exits 0 unless it
// ends with a comment "# exit N". Every line of output shown must appear in the command's
// output, in order, with runs of spaces counted as one; "…" in a line stands for any text, and
// a line "…" for any lines.
package readme

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Step is one block of a walkthrough.
type Step struct {
	// Line is the README line the block starts on.
	Line int
	// Cluster marks a step that needs a cluster; Retry is how long its commands are retried.
	Cluster bool
	Retry   time.Duration
	// File is the path a file step writes, and Content what it writes.
	File, Content string
	// Commands are a console step's commands.
	Commands []Command
}

// Command is one command of a console step, with what it must print and its exit code.
type Command struct {
	Line   int
	Text   string
	Output []string
	Exit   int
}

var (
	markerPattern = regexp.MustCompile(`^<!-- walkthrough(?::\s*(.*?))?\s*-->$`)
	exitPattern   = regexp.MustCompile(`#\s*exit\s+(\d+)`)
)

// Section returns the text of a README section: from its heading (## Title) to the next
// heading of its level, with the line the heading is on.
func Section(readme, heading string) (string, int, error) {
	lines := strings.Split(readme, "\n")
	level := heading[:strings.IndexByte(heading, ' ')+1]
	for i, line := range lines {
		if line != heading {
			continue
		}
		end := len(lines)
		for j := i + 1; j < len(lines); j++ {
			if strings.HasPrefix(lines[j], level) {
				end = j
				break
			}
		}
		return strings.Join(lines[i:end], "\n"), i + 1, nil
	}
	return "", 0, fmt.Errorf("the README has no section %q", heading)
}

// Steps reads the steps of a section that starts on line first of the README. A console or sh
// block without a marker is an error: every command a walkthrough shows is run.
func Steps(section string, first int) ([]Step, error) {
	lines := strings.Split(section, "\n")
	var steps []Step
	var marker string
	marked := false
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if m := markerPattern.FindStringSubmatch(line); m != nil {
			marker, marked = m[1], true
			continue
		}
		if !strings.HasPrefix(line, "```") {
			if line != "" {
				marked = false
			}
			continue
		}
		language := strings.TrimPrefix(line, "```")
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		body := lines[i+1 : min(end, len(lines))]
		at := first + i
		switch {
		case marked:
			step, err := newStep(marker, language, body, at)
			if err != nil {
				return nil, err
			}
			steps = append(steps, step)
		case language == "console" || language == "sh" || language == "bash":
			return nil, fmt.Errorf("README.md:%d: a %s block without <!-- walkthrough --> above it: every command of the walkthrough is run", at, language)
		}
		marked = false
		i = end
	}
	return steps, nil
}

// newStep makes the step of a block marked with marker.
func newStep(marker, language string, body []string, at int) (Step, error) {
	step := Step{Line: at}
	for _, word := range strings.Split(marker, ",") {
		word = strings.TrimSpace(word)
		switch {
		case word == "":
		case word == "cluster":
			step.Cluster = true
		case strings.HasPrefix(word, "retry "):
			d, err := time.ParseDuration(strings.TrimPrefix(word, "retry "))
			if err != nil {
				return step, fmt.Errorf("README.md:%d: %q: %w", at, word, err)
			}
			step.Retry = d
		case strings.HasPrefix(word, "file "):
			step.File = strings.TrimSpace(strings.TrimPrefix(word, "file "))
		default:
			return step, fmt.Errorf("README.md:%d: unknown walkthrough marker %q", at, word)
		}
	}
	if step.File != "" {
		step.Content = strings.Join(body, "\n") + "\n"
		return step, nil
	}
	if language != "console" {
		return step, fmt.Errorf("README.md:%d: a walkthrough step is a console block (or a file: step), not %q", at, language)
	}
	for i := 0; i < len(body); i++ {
		text, ok := strings.CutPrefix(body[i], "$ ")
		if !ok {
			if len(step.Commands) == 0 {
				return step, fmt.Errorf("README.md:%d: output before the first command", at+1+i)
			}
			last := &step.Commands[len(step.Commands)-1]
			last.Output = append(last.Output, body[i])
			continue
		}
		cmd := Command{Line: at + 1 + i}
		for strings.HasSuffix(text, `\`) && i+1 < len(body) {
			i++
			text = strings.TrimSuffix(text, `\`) + " " + strings.TrimSpace(body[i])
		}
		cmd.Text = text
		if m := exitPattern.FindStringSubmatch(text); m != nil {
			cmd.Exit, _ = strconv.Atoi(m[1])
		}
		step.Commands = append(step.Commands, cmd)
	}
	if len(step.Commands) == 0 {
		return step, fmt.Errorf("README.md:%d: a console step without a command ($ ...)", at)
	}
	return step, nil
}
