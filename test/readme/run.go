package readme

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// commandTimeout bounds one run of a command.
const commandTimeout = 5 * time.Minute

// Env is where a walkthrough's steps run: a working directory, and the environment of its
// commands (a PATH with podpolicy, kubectl and helm; a KUBECONFIG for the cluster's).
type Env struct {
	Dir  string
	Vars []string
	// Logf, when set, reports each command and how it ended.
	Logf func(format string, args ...any)
}

// Run runs a step: writes its file, or runs its commands in order, each until it exits and
// prints as shown (at most once, or until the step's Retry has passed).
func (e *Env) Run(ctx context.Context, s Step) error {
	if s.File != "" {
		path := filepath.Join(e.Dir, filepath.FromSlash(s.File))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, []byte(s.Content), 0o644)
	}
	for _, c := range s.Commands {
		deadline := time.Now().Add(s.Retry)
		for {
			err := e.run(ctx, c)
			if err == nil {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return err
			}
			if e.Logf != nil {
				e.Logf("README.md:%d: not yet (%v); again in 5s", c.Line, firstLine(err))
			}
			time.Sleep(5 * time.Second)
		}
	}
	return nil
}

// run runs one command once and says how it differs from what the README shows.
func (e *Env) run(ctx context.Context, c Command) error {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", c.Text)
	cmd.Dir, cmd.Env = e.Dir, e.Vars
	out, err := cmd.CombinedOutput()
	code := 0
	if exit, ok := errors.AsType[*exec.ExitError](err); ok {
		code = exit.ExitCode()
	} else if err != nil {
		return fmt.Errorf("README.md:%d: %s: %w", c.Line, c.Text, err)
	}
	if e.Logf != nil {
		e.Logf("README.md:%d: $ %s (exit %d)", c.Line, c.Text, code)
	}
	if code != c.Exit {
		return fmt.Errorf("README.md:%d: $ %s\nexited %d, want %d; it printed:\n%s", c.Line, c.Text, code, c.Exit, out)
	}
	if missing := Missing(c.Output, string(out)); missing != "" {
		return fmt.Errorf("README.md:%d: $ %s\ndoes not print, in order, the line the README shows:\n  %s\nit printed:\n%s", c.Line, c.Text, missing, out)
	}
	return nil
}

// Missing returns the first line of shown that output does not print in order, each line
// matched whole with runs of spaces as one and "…" as any text; "" when output prints them all.
func Missing(shown []string, output string) string {
	lines := strings.Split(output, "\n")
	at := 0
	for _, want := range shown {
		want = squeeze(want)
		if want == "" || want == "…" {
			continue
		}
		pattern := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(want), "…", ".*") + "$")
		for at < len(lines) && !pattern.MatchString(squeeze(lines[at])) {
			at++
		}
		if at == len(lines) {
			return want
		}
		at++
	}
	return ""
}

// squeeze trims a line and turns each run of spaces into one.
func squeeze(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
