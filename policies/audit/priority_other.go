//go:build !linux

package audit

// lowerThreadPriority is Linux only; elsewhere the audit relies on its duty cycle alone.
func lowerThreadPriority() error { return nil }
