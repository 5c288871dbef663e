# METADATA
# title: Host ports restricted
# description: |
#   A hostPort binds a port on the node itself, ties the Pod to nodes where it is free and
#   bypasses network policy. Only the ports in `allowed` (default none) may be used.
# custom:
#   id: host-ports
#   severity: high
#   remediation: remove hostPort and expose the container through a Service instead
package podpolicy.rules.host_ports

import data.podpolicy.config
import data.podpolicy.lib.pod

# violation reports each non-zero hostPort outside the allowed list.
violation contains {
	"container": c.name,
	"path": sprintf("%s.ports[%d].hostPort", [pod.path(f, i), j]),
	"message": message(port),
	"fix": fix(f, i, j, port),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	some j, port in c.ports
	port.hostPort != 0
	not port.hostPort in config.rules["host-ports"].allowed
}

# message says what is wrong; under the host's network every containerPort is a port of the
# node (the API server sets hostPort to it), which the user may never have written.
message(port) := sprintf("hostPort %v is not allowed", [port.hostPort]) if {
	not pod.spec.hostNetwork
} else := sprintf("port %v is a port of the node: the pod uses the host's network (hostNetwork: true), where every containerPort is a hostPort, and %v is not an allowed host port", [port.containerPort, port.hostPort])

fix(f, i, j, port) := sprintf(
	"remove hostPort: %v from %s (%s.ports[%d]) and reach the container through a Service, or add %v to the allowed list of host-ports in podpolicy's config",
	[port.hostPort, port_name(f, i, j), pod.path(f, i), j, port.hostPort],
) if {
	not pod.spec.hostNetwork
} else := sprintf(
	"run the pod without hostNetwork (spec.hostNetwork) and reach the container through a Service, or listen on an allowed host port instead of %s (%s.ports[%d]), or add %v to the allowed list of host-ports in podpolicy's config",
	[container_port(f, i, j), pod.path(f, i), j, port.hostPort],
)

# container_port names the containerPort of the port entry spec[f][i].ports[j], with the
# entry's name when it has one.
container_port(f, i, j) := sprintf("containerPort %v of port %q", [port.containerPort, port.name]) if {
	port := pod.spec[f][i].ports[j]
	port.name
} else := sprintf("containerPort %v", [pod.spec[f][i].ports[j].containerPort])

# port_name names the port entry spec[f][i].ports[j] as the user wrote it.
port_name(f, i, j) := sprintf("port %q", [name]) if {
	name := pod.spec[f][i].ports[j].name
} else := sprintf("the entry of containerPort %v", [pod.spec[f][i].ports[j].containerPort])
