package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times, on Linux.
const clockTicks = 100

// CPUSeconds returns the user plus system CPU time a process has used.
func CPUSeconds(pid int) float64 {
	fields := statFields(pid)
	if fields == nil {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / clockTicks
}

// ParentPID returns the PID of a process's parent; 0 when the process is gone.
func ParentPID(pid int) int {
	fields := statFields(pid)
	if fields == nil {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// statFields are the fields of /proc/<pid>/stat after the command name (the state first);
// nil when unreadable. The command name may hold spaces; the fields after its closing paren
// are fixed.
func statFields(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(data)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
}

// PeakRSS returns the peak resident set size of a process, in MiB (VmHWM).
func PeakRSS(pid int) float64 {
	return statusMiB(pid, "VmHWM")
}

// FileRSS returns the resident memory of a process that is mapped from files, in MiB
// (RssFile): for a Go binary, the pages of its own executable it has touched.
func FileRSS(pid int) float64 {
	return statusMiB(pid, "RssFile")
}

// statusMiB returns a field of /proc/<pid>/status given in kB, in MiB; 0 when unreadable.
func statusMiB(pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
