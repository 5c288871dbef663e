package audit

import (
	"fmt"
	"syscall"
)

// auditNice is the nice value of the audit's thread: the kernel runs admission's threads, and the
// API server's, first whenever they compete with it for a core.
const auditNice = 19

// lowerThreadPriority makes the calling OS thread nice; the caller must have locked its
// goroutine to the thread.
func lowerThreadPriority() error {
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), auditNice); err != nil {
		return fmt.Errorf("nice the audit thread: %w", err)
	}
	return nil
}
