# METADATA
# title: Host namespaces forbidden
# description: |
#   hostNetwork, hostPID and hostIPC put the Pod in the node's own network, process or IPC
#   namespace, where it can see and reach everything on the node. A node agent that truly needs
#   one gets an exception, with a reason, in podpolicy's config; the fix says which.
# custom:
#   id: host-namespaces
#   severity: critical
#   remediation: remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false)
package podpolicy.rules.host_namespaces

import data.podpolicy.lib.fix
import data.podpolicy.lib.pod

# violation reports each host namespace the pod joins.
violation contains {
	"path": field,
	"message": sprintf("%s is true", [field]),
	"fix": sprintf("remove %s or set it to false; %s", [field, fix.node_agent("host-namespaces", field)]),
} if {
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	pod.spec[field] == true
}
