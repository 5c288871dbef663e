# METADATA
# title: Safe sysctls only
# description: |
#   Pod sysctls outside the safe set can affect the whole node. The kubelet refuses to start a
#   Pod with an unsafe sysctl the node does not allow, and the Pod fails with SysctlForbidden.
#   The allowed set (`allowed`) defaults to the Pod Security Standards baseline list. Names are
#   compared as the kubelet compares them: a name written with slashes
#   (net/ipv4/ip_local_port_range) is the same sysctl as the dotted one.
# custom:
#   id: sysctls-safe
#   severity: high
#   remediation: remove the sysctl, or use one of the safe sysctls
package podpolicy.rules.sysctls_safe

import data.podpolicy.config
import data.podpolicy.lib.pod

# allowed holds the allowed sysctls, normalised.
allowed := {normalise(name) | some name in config.rules["sysctls-safe"].allowed}

# violation reports each pod sysctl outside the allowed set, naming it as the user wrote it.
violation contains {
	"path": sprintf("securityContext.sysctls[%d].name", [i]),
	"message": sprintf("sysctl %v is not in the safe set; the kubelet would reject the Pod with SysctlForbidden", [sysctl.name]),
} if {
	some i, sysctl in pod.spec.securityContext.sysctls
	not normalise(sysctl.name) in allowed
}

# normalise returns a sysctl name in its dotted form, as the kubelet does before comparing it
# (NormalizeName of k8s.io/component-helpers/node/util/sysctl): when the first separator of a
# name is a slash, slashes separate its parts and a dot belongs to a part
# (net/ipv4/conf/eno2.100/rp_filter), so the two are swapped (net.ipv4.conf.eno2/100.rp_filter).
# Any other name, and a value that is not a string, is returned as it is.
normalise(name) := concat(".", [replace(part, ".", "/") | some part in split(name, "/")]) if {
	slash_first(name)
} else := name

slash_first(name) if {
	is_string(name)
	slash := indexof(name, "/")
	slash >= 0
	not dot_before(name, slash)
}

dot_before(name, slash) if {
	dot := indexof(name, ".")
	dot >= 0
	dot < slash
}
