# METADATA
# title: Privileged containers forbidden
# description: |
#   A privileged container has every capability and the host's devices: it is root on the node.
# custom:
#   id: security-privileged
#   severity: critical
#   remediation: remove securityContext.privileged, or set it to false
package podpolicy.rules.security_privileged

import data.podpolicy.lib.pod

# violation reports every privileged container, ephemeral ones included.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.privileged"]),
	"message": "securityContext.privileged is true",
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	c.securityContext.privileged == true
}
