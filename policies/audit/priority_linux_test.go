package audit

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// niceOf reads a thread's nice value from /proc (field 19 of its stat).
func niceOf(t *testing.T, tid int) int {
	data, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/stat")
	if err != nil {
		t.Fatalf("read the stat of thread %d: %v", tid, err)
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	nice, err := strconv.Atoi(fields[16])
	if err != nil {
		t.Fatalf("nice of thread %d: %v", tid, err)
	}
	return nice
}

// The audit's thread is nice 19, and threads the runtime starts while the audit runs are not:
// they would otherwise serve admission at the audit's priority.
func TestAuditThreadAloneIsNice(t *testing.T) {
	before := niceOf(t, os.Getpid())
	auditTID := make(chan int)
	release := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if err := lowerThreadPriority(); err != nil {
			t.Errorf("lowerThreadPriority: %v", err)
		}
		// Goroutines started from the audit that block their threads make the runtime start new ones.
		for range 8 {
			go func() { _ = syscall.Nanosleep(&syscall.Timespec{Nsec: int64(200 * time.Millisecond)}, nil) }()
		}
		auditTID <- syscall.Gettid()
		<-release
	}()
	tid := <-auditTID
	defer close(release)
	time.Sleep(50 * time.Millisecond)
	if got := niceOf(t, tid); got != auditNice {
		t.Fatalf("the audit thread %d is nice %d; want %d", tid, got, auditNice)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		other, _ := strconv.Atoi(task.Name())
		if got := niceOf(t, other); other != tid && got != before {
			t.Errorf("thread %d is nice %d, not the process's %d: the runtime cloned it from the audit thread", other, got, before)
		}
	}
}
