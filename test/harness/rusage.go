package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Usage is what the kernel counted for one command run.
type Usage struct {
	Exit int `json:"exit"`
	// User and System are CPU seconds.
	User   float64 `json:"user"`
	System float64 `json:"system"`
	// MaxRSSKiB is the command's own peak resident set.
	MaxRSSKiB int64 `json:"maxrssKiB"`
	// PeakAnonKiB and PeakFileKiB are the largest anonymous and file-backed resident memory
	// sampled every 10 ms: what the program allocated, and the pages of its executable and
	// other files it mapped.
	PeakAnonKiB int64         `json:"peakAnonKiB"`
	PeakFileKiB int64         `json:"peakFileKiB"`
	Wall        time.Duration `json:"-"`
	// Stderr is what the command wrote to standard error.
	Stderr string `json:"-"`
}

// PeakMiB is the peak RSS in MiB.
func (u Usage) PeakMiB() float64 { return float64(u.MaxRSSKiB) / 1024 }

var rusageBinary struct {
	once sync.Once
	path string
	err  error
}

// Measure runs a command through test/harness/rusage (built once per process) and returns
// its standard output and usage: exit code, CPU seconds, its own peak RSS, wall time.
func Measure(ctx context.Context, name string, args ...string) ([]byte, Usage, error) {
	rusageBinary.once.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			rusageBinary.err = err
			return
		}
		dir, err := os.MkdirTemp("", "podpolicy-rusage-")
		if err != nil {
			rusageBinary.err = err
			return
		}
		rusageBinary.path = filepath.Join(dir, "rusage")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", rusageBinary.path, "./test/harness/rusage")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			rusageBinary.err = fmt.Errorf("build test/harness/rusage: %w\n%s", err, out)
		}
	})
	if rusageBinary.err != nil {
		return nil, Usage{}, rusageBinary.err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, rusageBinary.path, append([]string{name}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	errText := bytes.TrimRight(stderr.Bytes(), "\n")
	last := errText[bytes.LastIndexByte(errText, '\n')+1:]
	var u Usage
	if jerr := json.Unmarshal(last, &u); jerr != nil {
		return nil, Usage{}, fmt.Errorf("%s: %v\n%s", name, err, tailLines(stderr.String(), 20))
	}
	u.Wall, u.Stderr = wall, string(errText[:max(0, len(errText)-len(last))])
	return stdout.Bytes(), u, nil
}

func tailLines(s string, n int) string {
	lines := bytes.Split([]byte(s), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-n):], []byte("\n")))
}
