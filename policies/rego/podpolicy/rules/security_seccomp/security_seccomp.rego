# METADATA
# title: Seccomp profile
# description: |
#   A seccomp profile limits the system calls a container can make. Judged as Pod Security
#   Admission judges: a profile set on the pod or a container must have a type in
#   `allowedTypes` (default RuntimeDefault, Localhost), and, when `requireProfile` is true (the
#   default, as the restricted level), every container must have one, its own or the pod's
#   (unset means Unconfined). A pod-level profile that is not allowed is reported at the pod
#   level even when every current container overrides it, since an ephemeral container added
#   later inherits it. A Windows Pod (spec.os.name: windows), on which the API server forbids
#   seccompProfile, is skipped.
# custom:
#   id: security-seccomp
#   severity: medium
#   remediation: set securityContext.seccompProfile.type to RuntimeDefault on the pod or the container
package podpolicy.rules.security_seccomp

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["security-seccomp"]

# violation reports a pod-level profile whose type is not allowed.
violation contains {
	"path": "securityContext.seccompProfile.type",
	"message": sprintf("the pod's seccompProfile.type is %s; containers that do not set one, and ephemeral containers added later, inherit it", [describe(type)]),
	"fix": sprintf("set the pod's securityContext.seccompProfile.type to %s", [concat(" or ", settings.allowedTypes)]),
} if {
	not pod.windows
	type := pod_type
	not type in settings.allowedTypes
}

# violation reports a container profile whose type is not allowed.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.seccompProfile.type"]),
	"message": sprintf("seccompProfile.type is %s", [describe(type)]),
	"fix": sprintf("set securityContext.seccompProfile.type to %s", [concat(" or ", settings.allowedTypes)]),
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	c.securityContext.seccompProfile
	type := container_type(f, i)
	not type in settings.allowedTypes
}

# violation reports a container without a profile of its own under a pod without one.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.seccompProfile.type"]),
	"message": "no seccompProfile is set in the container's or the pod's securityContext, so the container runs Unconfined",
	"fix": "set securityContext.seccompProfile.type to RuntimeDefault on the pod or the container",
} if {
	settings.requireProfile == true
	not pod.windows
	not pod_type
	some f in pod.all
	some i, c in pod.spec[f]
	not container_type(f, i)
}

# pod_type is the type of the pod-level profile ("" when the profile names none); undefined
# when the pod sets no profile.
pod_type := type if {
	type := pod.spec.securityContext.seccompProfile.type
} else := "" if {
	pod.spec.securityContext.seccompProfile
}

# container_type is the type of spec[f][i]'s own profile, as pod_type.
container_type(f, i) := type if {
	type := pod.spec[f][i].securityContext.seccompProfile.type
} else := "" if {
	pod.spec[f][i].securityContext.seccompProfile
}

describe("") := "not set"

describe(type) := type if type != ""
