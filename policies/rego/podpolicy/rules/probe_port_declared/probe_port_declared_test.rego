package podpolicy.rules.probe_port_declared_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.probe_port_declared

test_deny_http_probe_names_undeclared_port if {
	s := fixtures.with_container(fixtures.spec, {"livenessProbe": {"httpGet": {"path": "/", "port": "admin"}}})
	found := probe_port_declared.violation with input as fixtures.pod(s)
	found == {{
		"container": "web",
		"path": "containers[0].livenessProbe.httpGet.port",
		"message": "livenessProbe names port \"admin\", which the container does not declare",
		"fix": "add a port named \"admin\" to the container's ports, or use the port number",
	}}
}

test_deny_tcp_startup_probe_names_port_of_another_container if {
	s := fixtures.with_container(fixtures.spec, {"startupProbe": {"tcpSocket": {"port": "metrics"}}})
	found := probe_port_declared.violation with input as fixtures.workload("ReplicaSet", s)
	{v.path | some v in found} == {"containers[0].startupProbe.tcpSocket.port"}
}

test_allow_named_port_declared if {
	s := fixtures.with_container(fixtures.spec, {"startupProbe": {"httpGet": {"port": "http"}}})
	count(probe_port_declared.violation) == 0 with input as fixtures.pod(s)
}

test_allow_numeric_port if {
	s := fixtures.with_container(fixtures.spec, {"livenessProbe": {"tcpSocket": {"port": 9999}}})
	count(probe_port_declared.violation) == 0 with input as fixtures.pod(s)
}

test_allow_exec_probe if {
	s := fixtures.with_container(fixtures.spec, {"livenessProbe": {"exec": {"command": ["true"]}}})
	count(probe_port_declared.violation) == 0 with input as fixtures.pod(s)
}
