# METADATA
# title: Safe sysctls only
# description: |
#   Pod sysctls outside the safe set can affect the whole node. The kubelet refuses to start a
#   Pod with an unsafe sysctl the node does not allow, and the Pod fails with SysctlForbidden.
#   The allowed set (`allowed`) defaults to the Pod Security Standards baseline list.
# custom:
#   id: sysctls-safe
#   severity: high
#   remediation: remove the sysctl, or use one of the safe sysctls
package podpolicy.rules.sysctls_safe

import data.podpolicy.config
import data.podpolicy.lib.pod

# violation reports each pod sysctl outside the allowed set.
violation contains {
	"path": sprintf("securityContext.sysctls[%d].name", [i]),
	"message": sprintf("sysctl %s is not in the safe set; the kubelet would reject the Pod with SysctlForbidden", [sysctl.name]),
} if {
	some i, sysctl in pod.spec.securityContext.sysctls
	not sysctl.name in config.rules["sysctls-safe"].allowed
}
