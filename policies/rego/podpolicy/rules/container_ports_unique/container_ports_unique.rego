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

field_rank := {"containers": 0, "initContainers": 1}

# ports lists the port entries of the containers that run together, each with a sortable
# position in declaration order.
ports contains p if {
	some entry in pod.concurrent_containers
	some j, port in entry.container.ports
	p := {
		"container": entry.container.name,
		"path": sprintf("%s.ports[%d]", [entry.path, j]),
		"order": [field_rank[entry.field], entry.index, j],
		"containerPort": port.containerPort,
		"protocol": object.get(port, "protocol", "TCP"),
		"hostPort": object.get(port, "hostPort", 0),
		"hostIP": object.get(port, "hostIP", ""),
	}
}

# key returns the values of the given fields of a port entry.
key(p, fields) := [p[f] | some f in fields]

# first_claim returns the earliest port entry, declared before p, with the same key.
first_claim(p, fields) := first if {
	earlier := {q.order | some q in ports; q.order < p.order; key(q, fields) == key(p, fields)}
	count(earlier) > 0
	some first in ports
	first.order == min(earlier)
}

violation contains {
	"container": p.container,
	"path": concat("", [p.path, ".containerPort"]),
	"message": sprintf(
		"containerPort %v/%s is also declared by container %q; containers in a Pod share one network namespace",
		[p.containerPort, p.protocol, first.container],
	),
} if {
	some p in ports
	first := first_claim(p, ["containerPort", "protocol"])
}

violation contains {
	"container": p.container,
	"path": concat("", [p.path, ".hostPort"]),
	"message": sprintf("hostPort %v/%s on hostIP %q is also declared by container %q", [p.hostPort, p.protocol, p.hostIP, first.container]),
} if {
	some p in ports
	p.hostPort != 0
	first := first_claim(p, ["hostPort", "protocol", "hostIP"])
}
