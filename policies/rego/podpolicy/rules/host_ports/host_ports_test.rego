package podpolicy.rules.host_ports_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_ports

with_host_port(n) := fixtures.with_container(fixtures.spec, {"ports": [{"containerPort": 8080, "hostPort": n}]})

test_deny_host_port if {
	found := host_ports.violation with input as fixtures.pod(with_host_port(80))
	found == {{"container": "web", "path": "containers[0].ports[0].hostPort", "message": "hostPort 80 is not allowed"}}
}

test_allow_configured_host_port if {
	found := host_ports.violation with input as fixtures.workload("DaemonSet", with_host_port(9100))
		with data.podpolicy.config.rules["host-ports"].allowed as [9100]
	count(found) == 0
}

test_allow_zero_host_port if {
	count(host_ports.violation) == 0 with input as fixtures.pod(with_host_port(0))
}
