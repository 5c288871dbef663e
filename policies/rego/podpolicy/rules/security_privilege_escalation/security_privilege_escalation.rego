# METADATA
# title: Privilege escalation disabled
# description: |
#   Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent
#   (setuid binaries, file capabilities). Every container must set it to false. A Windows Pod
#   (spec.os.name: windows), on which the API server forbids the field, is skipped.
# custom:
#   id: security-privilege-escalation
#   severity: high
#   remediation: set securityContext.allowPrivilegeEscalation to false
package podpolicy.rules.security_privilege_escalation

import data.podpolicy.lib.pod

# violation reports every container that does not set allowPrivilegeEscalation to false.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.allowPrivilegeEscalation"]),
	"message": "securityContext.allowPrivilegeEscalation is not false",
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	c.securityContext.allowPrivilegeEscalation != false
}

violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.allowPrivilegeEscalation"]),
	"message": "securityContext.allowPrivilegeEscalation is not set",
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	not c.securityContext.allowPrivilegeEscalation == false
	not c.securityContext.allowPrivilegeEscalation == true
}
