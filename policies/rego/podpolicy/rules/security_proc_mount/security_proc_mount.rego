# METADATA
# title: Default /proc mount
# description: |
#   The container runtime masks and makes read-only the parts of /proc that expose the node
#   (procMount: Default). procMount: Unmasked lifts that. Every container, ephemeral ones
#   included, must leave securityContext.procMount unset or set it to one of `allowedTypes`
#   (default Default). With `allowInUserNamespace: true` (Pod Security Admission's baseline level
#   since 1.35) a Pod in its own user namespace (hostUsers: false) may set any value; by default
#   (as the restricted level) it may not.
# custom:
#   id: security-proc-mount
#   severity: high
#   remediation: remove securityContext.procMount, or set it to Default
package podpolicy.rules.security_proc_mount

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["security-proc-mount"]

# violation reports a container whose procMount is not allowed.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.procMount"]),
	"message": sprintf("securityContext.procMount is %v, which unmasks the node's /proc", [type]),
	"fix": sprintf("remove securityContext.procMount, or set it to %s", [concat(" or ", settings.allowedTypes)]),
} if {
	not exempt
	some f in pod.all
	some i, c in pod.spec[f]
	type := c.securityContext.procMount
	not type in settings.allowedTypes
}

exempt if {
	settings.allowInUserNamespace == true
	pod.user_namespace
}
