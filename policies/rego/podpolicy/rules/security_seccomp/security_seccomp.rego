# METADATA
# title: Seccomp profile
# description: |
#   A seccomp profile limits the system calls a container can make. The effective profile type
#   (the container's, else the pod's) must be one of `allowedTypes` (default RuntimeDefault,
#   Localhost); unset means Unconfined. A Windows Pod (spec.os.name: windows), on which the API
#   server forbids seccompProfile, is skipped.
# custom:
#   id: security-seccomp
#   severity: medium
#   remediation: set securityContext.seccompProfile.type to RuntimeDefault on the pod or the container
package podpolicy.rules.security_seccomp

import data.podpolicy.config
import data.podpolicy.lib.pod

# violation reports every container whose effective seccomp profile type is not allowed.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.seccompProfile.type"]),
	"message": sprintf("the effective seccompProfile.type is %s", [type]),
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	type := profile_type(f, i)
	not type in config.rules["security-seccomp"].allowedTypes
}

# profile_type is the effective seccomp profile type of spec[f][i]; unset means Unconfined.
profile_type(f, i) := type if {
	type := pod.effective(f, i, "seccompProfile").type
} else := "Unconfined"
