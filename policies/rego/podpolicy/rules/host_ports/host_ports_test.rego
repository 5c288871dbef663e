package podpolicy.rules.host_ports_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_ports

with_host_port(n) := fixtures.with_container(fixtures.spec, {"ports": [{"containerPort": 8080, "hostPort": n}]})

test_deny_host_port if {
	found := host_ports.violation with input as fixtures.pod(with_host_port(80))
	found == {{
		"container": "web",
		"path": "containers[0].ports[0].hostPort",
		"message": "hostPort 80 is not allowed",
		"fix": "remove hostPort: 80 from the entry of containerPort 8080 (containers[0].ports[0]) and reach the container through a Service, or add 80 to the allowed list of host-ports in podpolicy's config",
	}}
}

test_deny_host_port_fix_names_the_port_the_user_named if {
	s := fixtures.with_container(fixtures.spec, {"ports": [
		{"name": "http", "containerPort": 8080},
		{"name": "metrics", "containerPort": 9100, "hostPort": 9100},
	]})
	found := host_ports.violation with input as fixtures.workload("DaemonSet", s)
	{v.path: v.fix | some v in found} == {"containers[0].ports[1].hostPort": "remove hostPort: 9100 from port \"metrics\" (containers[0].ports[1]) and reach the container through a Service, or add 9100 to the allowed list of host-ports in podpolicy's config"}
}

test_allow_configured_host_port if {
	found := host_ports.violation with input as fixtures.workload("DaemonSet", with_host_port(9100))
		with data.podpolicy.config.rules["host-ports"].allowed as [9100]
	count(found) == 0
}

test_allow_zero_host_port if {
	count(host_ports.violation) == 0 with input as fixtures.pod(with_host_port(0))
}

test_deny_host_network_port_names_the_container_port_and_host_networking if {
	s := object.union(fixtures.with_container(fixtures.spec, {"ports": [{"name": "https", "containerPort": 9443, "hostPort": 9443}]}), {"hostNetwork": true})
	found := host_ports.violation with input as fixtures.workload("DaemonSet", s)
	found == {{
		"container": "web",
		"path": "containers[0].ports[0].hostPort",
		"message": "port 9443 is a port of the node: the pod uses the host's network (hostNetwork: true), where every containerPort is a hostPort, and 9443 is not an allowed host port",
		"fix": "run the pod without hostNetwork (spec.hostNetwork) and reach the container through a Service, or listen on an allowed host port instead of containerPort 9443 of port \"https\" (containers[0].ports[0]), or add 9443 to the allowed list of host-ports in podpolicy's config",
	}}
	not contains(concat(" ", [v.fix | some v in found]), "remove hostPort")
}

test_deny_host_network_unnamed_port_is_named_by_its_number_once if {
	s := object.union(fixtures.with_container(fixtures.spec, {"ports": [{"containerPort": 9100, "hostPort": 9100}]}), {"hostNetwork": true})
	some v in host_ports.violation with input as fixtures.workload("DaemonSet", s)
	contains(v.fix, "instead of containerPort 9100 (containers[0].ports[0])")
}
