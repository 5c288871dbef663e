# METADATA
# title: Container ports unique
# description: |
#   The containers of a Pod share one network namespace, so two containers that run at the same
#   time cannot listen on the same port. Checked across the app containers and the init
#   containers with restartPolicy Always (sidecars); ordinary init containers run one at a time
#   before them and do not conflict. The protocol defaults to TCP. Two entries of one container
#   with the same containerPort (two names for one port, such as http and http2 on 8080) are not
#   a conflict: only entries of different containers are. Two host ports conflict when they
#   share hostPort, protocol and hostIP, in one container too: the API server refuses a
#   repeated hostPort (and under hostNetwork every containerPort is also a hostPort).
# custom:
#   id: container-ports-unique
#   severity: high
#   remediation: give each container its own containerPort (and hostPort), or drop the duplicate entry
package podpolicy.rules.container_ports_unique

import data.podpolicy.lib.pod

# ports lists the port entries of the containers that run together, in declaration order
# (app containers, then restartable init containers).
ports := [p |
	some f in pod.resourced
	some i, c in pod.spec[f]
	pod.concurrent(f, i)
	some j, port in c.ports
	p := {
		"container": c.name,
		"f": f,
		"i": i,
		"j": j,
		"containerPort": port.containerPort,
		"protocol": object.get(port, "protocol", "TCP"),
		"hostPort": object.get(port, "hostPort", 0),
		"hostIP": object.get(port, "hostIP", ""),
	}
]

port_path(p) := sprintf("%s.ports[%d]", [pod.path(p.f, p.i), p.j])

# by_container_port holds [containerPort, protocol, container field, container index,
# position in ports] for every port entry, sorted, so equal ports sit next to each other, the
# entries of one container together and the containers in declaration order: finding
# duplicates is a sort and one pass, not a comparison of every pair (a Pod may have hundreds of
# ports).
by_container_port := sort([[p.containerPort, p.protocol, p.f, p.i, n] | some n, p in ports])

by_host_port := sort([[p.hostPort, p.protocol, p.hostIP, p.f, p.i, n] | some n, p in ports; p.hostPort != 0])

# violation reports a containerPort that a container declares after another container did,
# naming the container that declared it before. It is reported once per container and port,
# however many entries (names) the container gives that port.
violation contains {
	"container": p.container,
	"path": concat("", [port_path(p), ".containerPort"]),
	"message": sprintf(
		"containerPort %v/%s is also declared by container %q; containers in a Pod share one network namespace",
		[p.containerPort, p.protocol, ports[previous[4]].container],
	),
} if {
	some k, entry in by_container_port
	k > 0
	previous := by_container_port[k - 1]
	array.slice(previous, 0, 2) == array.slice(entry, 0, 2)
	array.slice(previous, 2, 4) != array.slice(entry, 2, 4)
	p := ports[entry[4]]
}

# violation reports a hostPort declared again on the same protocol and hostIP: by another
# container, or by the same one, which the API server refuses too.
violation contains {
	"container": p.container,
	"path": concat("", [port_path(p), ".hostPort"]),
	"message": host_port_message(p, ports[previous[5]], array.slice(previous, 3, 5) == array.slice(entry, 3, 5)),
} if {
	some k, entry in by_host_port
	k > 0
	previous := by_host_port[k - 1]
	array.slice(previous, 0, 3) == array.slice(entry, 0, 3)
	p := ports[entry[5]]
}

host_port_message(p, earlier, false) := sprintf("hostPort %v/%s on hostIP %q is also declared by container %q", [p.hostPort, p.protocol, p.hostIP, earlier.container])

host_port_message(p, earlier, true) := sprintf(
	"hostPort %v/%s on hostIP %q is declared again by this container (ports[%d] has it); the API server refuses a repeated hostPort, and under hostNetwork every containerPort is also a hostPort",
	[p.hostPort, p.protocol, p.hostIP, earlier.j],
)
