# METADATA
# title: Capabilities dropped
# description: |
#   Containers drop every Linux capability (`drop: [ALL]`) and add back only those in the allowed
#   list (`allowedAdd`, default NET_BIND_SERVICE). Names are matched exactly, as Pod Security
#   Admission and the container runtime match them: `ALL`, not `all`; `CAP_SETPCAP` is not
#   `SETPCAP`. With `requireDropAll: false` (the baseline level) dropping ALL is not required and
#   only additions are judged. A Windows Pod (spec.os.name: windows), on which the API server
#   forbids capabilities, is skipped.
# custom:
#   id: security-capabilities
#   severity: high
#   remediation: set securityContext.capabilities.drop to [ALL] and add only allowed capabilities
package podpolicy.rules.security_capabilities

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["security-capabilities"]

allowed := {name | some name in settings.allowedAdd}

# violation reports every container that does not drop ALL.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.capabilities.drop"]),
	"message": drop_message(f, i),
	"fix": "set securityContext.capabilities.drop to [ALL]",
} if {
	settings.requireDropAll == true
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	not drops_all(f, i)
}

drops_all(f, i) if "ALL" in pod.spec[f][i].securityContext.capabilities.drop

drop_message(f, i) := "securityContext.capabilities.drop lists \"all\"; only \"ALL\", in capitals, drops every capability" if {
	some name in pod.spec[f][i].securityContext.capabilities.drop
	name == "all"
} else := "securityContext.capabilities.drop does not include ALL"

# violation reports every added capability outside the allowed list.
violation contains {
	"container": c.name,
	"path": sprintf("%s.securityContext.capabilities.add[%d]", [pod.path(f, i), j]),
	"message": sprintf("capability %v is added but not allowed", [name]),
	"fix": add_fix(name),
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	some j, name in c.securityContext.capabilities.add
	not name in allowed
}

# add_fix names the allowed spelling when the capability differs from an allowed one only in
# case or a CAP_ prefix.
add_fix(name) := sprintf("write %s exactly as allowed: capability names are matched exactly, in capitals and without CAP_", [spelling]) if {
	is_string(name)
	some spelling in allowed
	trim_prefix(upper(name), "CAP_") == spelling
} else := sprintf("remove %v from capabilities.add (allowed: %s)", [name, concat(", ", sort(allowed))])
