# METADATA
# title: Run as non-root
# description: |
#   Containers must not run as root. The effective runAsNonRoot (the container's setting, else the
#   pod's) must be true, and the effective runAsUser must not be 0.
# custom:
#   id: security-run-as-non-root
#   severity: high
#   remediation: set securityContext.runAsNonRoot to true (on the pod or the container) and run as a non-zero UID
package podpolicy.rules.security_run_as_non_root

import data.podpolicy.lib.pod

# violation reports every container whose effective runAsNonRoot is not true.
violation contains {
	"container": entry.container.name,
	"path": concat("", [entry.path, ".securityContext.runAsNonRoot"]),
	"message": "runAsNonRoot is not true in the container's or the pod's securityContext",
	"fix": "set securityContext.runAsNonRoot to true on the pod or the container",
} if {
	some entry in pod.containers
	not runs_as_non_root(entry.container)
}

# runs_as_non_root is a rule rather than an inline `not f(x) == true`: OPA evaluates a function
# call inside a negation before negating, so an undefined effective value would make the
# negation undefined instead of true.
runs_as_non_root(c) if pod.effective(c, "runAsNonRoot") == true

# violation reports every container whose effective runAsUser is root.
violation contains {
	"container": entry.container.name,
	"path": concat("", [entry.path, ".securityContext.runAsUser"]),
	"message": "runAsUser is 0 (root)",
	"fix": "set securityContext.runAsUser to a non-zero UID such as 10001",
} if {
	some entry in pod.containers
	pod.effective(entry.container, "runAsUser") == 0
}
