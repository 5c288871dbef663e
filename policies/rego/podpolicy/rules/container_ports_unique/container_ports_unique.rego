# METADATA
# title: Container ports unique
# description: |
#   The containers of a Pod share one network namespace, so two containers that run at the same
#   time cannot listen on the same port. Checked across the app containers and the init
#   containers with restartPolicy Always (sidecars); ordinary init containers run one at a time
#   before them and do not conflict. The protocol defaults to TCP. Two host ports also conflict
#   when they share hostPort, protocol and hostIP.
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

# violation reports a containerPort declared again, naming the container that declared it
# first.
violation contains {
	"container": p.container,
	"path": concat("", [port_path(p), ".containerPort"]),
	"message": sprintf(
		"containerPort %v/%s is also declared by container %q; containers in a Pod share one network namespace",
		[p.containerPort, p.protocol, ports[earlier[0]].container],
	),
} if {
	some n, p in ports
	earlier := [m | some m, q in ports; m < n; q.containerPort == p.containerPort; q.protocol == p.protocol]
	count(earlier) > 0
}

# violation reports a hostPort declared again on the same protocol and hostIP.
violation contains {
	"container": p.container,
	"path": concat("", [port_path(p), ".hostPort"]),
	"message": sprintf("hostPort %v/%s on hostIP %q is also declared by container %q", [p.hostPort, p.protocol, p.hostIP, ports[earlier[0]].container]),
} if {
	some n, p in ports
	p.hostPort != 0
	earlier := [m |
		some m, q in ports
		m < n
		q.hostPort == p.hostPort
		q.protocol == p.protocol
		q.hostIP == p.hostIP
	]
	count(earlier) > 0
}
