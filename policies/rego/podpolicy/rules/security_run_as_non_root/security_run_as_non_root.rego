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
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.runAsNonRoot"]),
	"message": "runAsNonRoot is not true in the container's or the pod's securityContext",
	"fix": "set securityContext.runAsNonRoot to true on the pod or the container",
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	not non_root(f, i)
}

# violation reports every container whose effective runAsUser is root.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.runAsUser"]),
	"message": "runAsUser is 0 (root)",
	"fix": "set securityContext.runAsUser to a non-zero UID such as 10001",
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	pod.effective(f, i, "runAsUser") == 0
}

# non_root is a rule, not an inline `not effective(...) == true`: OPA evaluates a call inside a
# negation before negating, so an unset value would make the whole expression undefined.
non_root(f, i) if pod.effective(f, i, "runAsNonRoot") == true
