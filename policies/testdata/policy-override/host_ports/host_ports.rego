# METADATA
# title: Host ports restricted to the node-exporter range
# description: Overrides the built-in rule; host ports from 9100 to 9199 are allowed.
# custom:
#   id: host-ports
#   severity: medium
#   remediation: use a host port between 9100 and 9199
package podpolicy.rules.host_ports

import data.podpolicy.lib.pod

# violation reports host ports outside 9100-9199.
violation contains {
	"container": entry.container.name,
	"path": sprintf("%s.ports[%d].hostPort", [entry.path, j]),
	"message": sprintf("hostPort %v is outside 9100-9199", [port.hostPort]),
} if {
	some entry in pod.containers
	some j, port in entry.container.ports
	object.get(port, "hostPort", 0) != 0
	not port.hostPort in numbers.range(9100, 9199)
}
