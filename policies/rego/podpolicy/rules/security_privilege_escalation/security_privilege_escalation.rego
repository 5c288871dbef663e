# METADATA
# title: Privilege escalation disabled
# description: |
#   Unless allowPrivilegeEscalation is false, a process can gain more privileges than its parent
#   (setuid binaries, file capabilities). Every container must set it to false.
# custom:
#   id: security-privilege-escalation
#   severity: high
#   remediation: set securityContext.allowPrivilegeEscalation to false
package podpolicy.rules.security_privilege_escalation

import data.podpolicy.lib.pod

# violation reports every container that does not set allowPrivilegeEscalation to false.
violation contains {
	"container": entry.container.name,
	"path": concat("", [entry.path, ".securityContext.allowPrivilegeEscalation"]),
	"message": "securityContext.allowPrivilegeEscalation is not false",
} if {
	some entry in pod.containers
	pod.security_context(entry.container).allowPrivilegeEscalation != false
}

violation contains {
	"container": entry.container.name,
	"path": concat("", [entry.path, ".securityContext.allowPrivilegeEscalation"]),
	"message": "securityContext.allowPrivilegeEscalation is not set",
} if {
	some entry in pod.containers
	not "allowPrivilegeEscalation" in object.keys(pod.security_context(entry.container))
}
