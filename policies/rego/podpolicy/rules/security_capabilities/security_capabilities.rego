# METADATA
# title: Capabilities dropped
# description: |
#   Containers drop every Linux capability (`drop: [ALL]`) and add back only those in the allowed
#   list (`allowedAdd`, default NET_BIND_SERVICE). Names are compared without case and without a
#   CAP_ prefix. A Windows Pod (spec.os.name: windows), on which the API server forbids
#   capabilities, is skipped.
# custom:
#   id: security-capabilities
#   severity: high
#   remediation: set securityContext.capabilities.drop to [ALL] and add only allowed capabilities
package podpolicy.rules.security_capabilities

import data.podpolicy.config
import data.podpolicy.lib.pod

normalise(name) := trim_prefix(upper(name), "CAP_")

allowed := {normalise(name) | some name in config.rules["security-capabilities"].allowedAdd}

# violation reports every container that does not drop ALL.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.capabilities.drop"]),
	"message": "securityContext.capabilities.drop does not include ALL",
	"fix": "set securityContext.capabilities.drop to [ALL]",
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	not drops_all(f, i)
}

drops_all(f, i) if {
	some name in pod.spec[f][i].securityContext.capabilities.drop
	upper(name) == "ALL"
}

# violation reports every added capability outside the allowed list.
violation contains {
	"container": c.name,
	"path": sprintf("%s.securityContext.capabilities.add[%d]", [pod.path(f, i), j]),
	"message": sprintf("capability %s is added but not allowed", [name]),
	"fix": sprintf("remove %s from capabilities.add (allowed: %s)", [name, concat(", ", sort(allowed))]),
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	some j, name in c.securityContext.capabilities.add
	not normalise(name) in allowed
}
