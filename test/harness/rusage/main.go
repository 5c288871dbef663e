// Command rusage runs a command and prints, on its last line of standard error, the command's
// exit code, user and system CPU seconds and peak RSS in KiB as JSON. The harness measures
// through it because Linux counts the memory of the process a child was forked from in the
// child's ru_maxrss (exec records the old address space's peak, and Go starts children with
// vfork, so that is the whole test process's); forked from this small process, the figure is
// the command's own. It also samples the command's anonymous and file-backed resident memory
// every 10 ms (RssAnon and RssFile in /proc/PID/status), because the two move for different
// reasons: the first with what the program allocates, the second with how the kernel's page
// cache holds the executable.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rusage COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Start()
	var peaks residentPeaks
	if err == nil {
		done := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			peaks.sample(cmd.Process.Pid, done)
		}()
		err = cmd.Wait()
		close(done)
		<-sampled
	}
	if cmd.ProcessState == nil {
		fmt.Fprintf(os.Stderr, "rusage: %v\n", err)
		os.Exit(2)
	}
	if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
		fmt.Fprintf(os.Stderr, "rusage: %v\n", err)
		os.Exit(2)
	}
	u := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	line, _ := json.Marshal(map[string]any{
		"exit": cmd.ProcessState.ExitCode(), "user": float64(u.Utime.Nano()) / 1e9, "system": float64(u.Stime.Nano()) / 1e9, "maxrssKiB": u.Maxrss,
		"peakAnonKiB": peaks.anon, "peakFileKiB": peaks.file,
	})
	fmt.Fprintf(os.Stderr, "\n%s\n", line)
}
