# METADATA
# title: Run as non-root
# description: |
#   Containers must not run as root. Judged as Pod Security Admission (restricted) judges: every
#   container must set runAsNonRoot: true, or leave it unset under a pod that sets it to true,
#   and neither the pod nor a container may set runAsNonRoot: false or runAsUser: 0. A pod-level
#   value is reported at the pod level even when every current container overrides it, since an
#   ephemeral container added later inherits it. A Pod in its own user namespace (hostUsers:
#   false), where UID 0 is not root on the node, is allowed when `allowInUserNamespace` is true
#   (the default, as Pod Security Admission 1.35+).
# custom:
#   id: security-run-as-non-root
#   severity: high
#   remediation: set securityContext.runAsNonRoot to true (on the pod or the container) and run as a non-zero UID
package podpolicy.rules.security_run_as_non_root

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["security-run-as-non-root"]

# judged is true unless the pod's user namespace exempts it.
judged if not exempt

exempt if {
	settings.allowInUserNamespace == true
	pod.user_namespace
}

# violation reports a pod-level runAsNonRoot that is set but not true.
violation contains {
	"path": "securityContext.runAsNonRoot",
	"message": sprintf("the pod's securityContext.runAsNonRoot is %v; containers that do not set it, and ephemeral containers added later, inherit it", [value]),
	"fix": "set the pod's securityContext.runAsNonRoot to true",
} if {
	judged
	value := pod.spec.securityContext.runAsNonRoot
	value != true
}

# violation reports a container that sets runAsNonRoot to anything but true.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.runAsNonRoot"]),
	"message": sprintf("securityContext.runAsNonRoot is %v", [value]),
	"fix": "set securityContext.runAsNonRoot to true",
} if {
	judged
	some f in pod.all
	some i, c in pod.spec[f]
	value := c.securityContext.runAsNonRoot
	value != true
}

# violation reports a container that leaves runAsNonRoot unset under a pod that does not set it.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.runAsNonRoot"]),
	"message": "runAsNonRoot is not set in the container's or the pod's securityContext",
	"fix": "set securityContext.runAsNonRoot to true on the pod or the container",
} if {
	judged
	not pod_sets_run_as_non_root
	some f in pod.all
	some i, c in pod.spec[f]
	not container_sets_run_as_non_root(f, i)
}

pod_sets_run_as_non_root if {
	_ := pod.spec.securityContext.runAsNonRoot
}

container_sets_run_as_non_root(f, i) if {
	_ := pod.spec[f][i].securityContext.runAsNonRoot
}

# violation reports a pod-level runAsUser of 0.
violation contains {
	"path": "securityContext.runAsUser",
	"message": "the pod's securityContext.runAsUser is 0 (root); containers that do not set runAsUser, and ephemeral containers added later, inherit it",
	"fix": "set the pod's securityContext.runAsUser to a non-zero UID such as 10001, or remove it",
} if {
	judged
	pod.spec.securityContext.runAsUser == 0
}

# violation reports a container that sets runAsUser to 0.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.runAsUser"]),
	"message": "securityContext.runAsUser is 0 (root)",
	"fix": "set securityContext.runAsUser to a non-zero UID such as 10001",
} if {
	judged
	some f in pod.all
	some i, c in pod.spec[f]
	c.securityContext.runAsUser == 0
}
