# METADATA
# title: Capabilities dropped
# description: |
#   Containers drop every Linux capability (`drop: [ALL]`) and add back only those in the allowed
#   list (`allowedAdd`, default NET_BIND_SERVICE). Names are compared without case and without a
#   CAP_ prefix.
# custom:
#   id: security-capabilities
#   severity: high
#   remediation: set securityContext.capabilities.drop to [ALL] and add only allowed capabilities
package podpolicy.rules.security_capabilities

import data.podpolicy.config
import data.podpolicy.lib.pod

capabilities(c) := object.get(pod.security_context(c), "capabilities", {})

normalise(name) := trim_prefix(upper(name), "CAP_")

allowed := {normalise(name) | some name in config.rules["security-capabilities"].allowedAdd}

# violation reports every container that does not drop ALL.
violation contains {
	"container": entry.container.name,
	"path": concat("", [entry.path, ".securityContext.capabilities.drop"]),
	"message": "securityContext.capabilities.drop does not include ALL",
	"fix": "set securityContext.capabilities.drop to [ALL]",
} if {
	some entry in pod.containers
	not "ALL" in {normalise(name) | some name in object.get(capabilities(entry.container), "drop", [])}
}

# violation reports every added capability outside the allowed list.
violation contains {
	"container": entry.container.name,
	"path": sprintf("%s.securityContext.capabilities.add[%d]", [entry.path, i]),
	"message": sprintf("capability %s is added but not allowed", [name]),
	"fix": sprintf("remove %s from capabilities.add (allowed: %s)", [name, concat(", ", sort(allowed))]),
} if {
	some entry in pod.containers
	some i, name in object.get(capabilities(entry.container), "add", [])
	not normalise(name) in allowed
}
