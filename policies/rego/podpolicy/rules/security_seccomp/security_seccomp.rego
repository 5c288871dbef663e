# METADATA
# title: Seccomp profile
# description: |
#   A seccomp profile limits the system calls a container can make. The effective profile type
#   (the container's, else the pod's) must be one of `allowedTypes` (default RuntimeDefault,
#   Localhost); unset means Unconfined.
# custom:
#   id: security-seccomp
#   severity: medium
#   remediation: set securityContext.seccompProfile.type to RuntimeDefault on the pod or the container
package podpolicy.rules.security_seccomp

import data.podpolicy.config
import data.podpolicy.lib.pod

allowed := config.rules["security-seccomp"].allowedTypes

# profile_type is the effective seccomp profile type of a container; unset means Unconfined.
profile_type(c) := object.get(profile, "type", "Unconfined") if {
	profile := pod.effective(c, "seccompProfile")
} else := "Unconfined"

# violation reports every container whose effective seccomp profile type is not allowed.
violation contains {
	"container": entry.container.name,
	"path": concat("", [entry.path, ".securityContext.seccompProfile.type"]),
	"message": sprintf("the effective seccompProfile.type is %s", [type]),
} if {
	some entry in pod.containers
	type := profile_type(entry.container)
	not type in allowed
}
