package podpolicy.rules.container_ports_unique_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.container_ports_unique

port(n) := {"containerPort": n, "protocol": "TCP"}

with_ports(a, b) := object.union(fixtures.spec, {"containers": [
	object.union(fixtures.container, {"ports": a}),
	object.union(fixtures.sidecar, {"ports": b}),
]})

test_deny_two_containers_on_one_port if {
	found := container_ports_unique.violation with input as fixtures.pod(with_ports([port(80)], [port(80)]))
	found == {{
		"container": "metrics",
		"path": "containers[1].ports[0].containerPort",
		"message": "containerPort 80/TCP is also declared by container \"web\"; containers in a Pod share one network namespace",
	}}
}

test_deny_protocol_defaults_to_tcp if {
	s := with_ports([{"containerPort": 80}], [port(80)])
	count(container_ports_unique.violation) == 1 with input as fixtures.pod(s)
}

test_allow_same_port_different_protocol if {
	s := with_ports([port(53)], [{"containerPort": 53, "protocol": "UDP"}])
	count(container_ports_unique.violation) == 0 with input as fixtures.pod(s)
}

test_deny_restartable_init_container_conflicts_with_app_container if {
	s := object.union(fixtures.spec, {"initContainers": [{"name": "proxy", "image": "envoy:1.32", "restartPolicy": "Always", "ports": [port(8080)]}]})
	found := container_ports_unique.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"initContainers[0].ports[0].containerPort"}
}

test_allow_ordinary_init_container_reuses_app_port if {
	s := object.union(fixtures.spec, {"initContainers": [{"name": "migrate", "image": "busybox:1.37", "ports": [port(8080)]}]})
	count(container_ports_unique.violation) == 0 with input as fixtures.pod(s)
}

test_deny_three_claims_each_name_an_earlier_one if {
	s := object.union(fixtures.spec, {"containers": [
		object.union(fixtures.container, {"ports": [port(80)]}),
		object.union(fixtures.sidecar, {"ports": [port(80)]}),
		object.union(fixtures.sidecar, {"name": "third", "ports": [port(80)]}),
	]})
	found := container_ports_unique.violation with input as fixtures.pod(s)
	count(found) == 2
	{v.path: v.message | some v in found} == {
		"containers[1].ports[0].containerPort": "containerPort 80/TCP is also declared by container \"web\"; containers in a Pod share one network namespace",
		"containers[2].ports[0].containerPort": "containerPort 80/TCP is also declared by container \"metrics\"; containers in a Pod share one network namespace",
	}
}

test_deny_host_port_conflict if {
	a := [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]
	b := [{"containerPort": 81, "hostPort": 8080, "protocol": "TCP"}]
	found := container_ports_unique.violation with input as fixtures.workload("DaemonSet", with_ports(a, b))
	{v.path | some v in found} == {"containers[1].ports[0].hostPort"}
}

test_allow_host_ports_on_different_host_ips if {
	a := [{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.1"}]
	b := [{"containerPort": 81, "hostPort": 8080, "hostIP": "10.0.0.2"}]
	count(container_ports_unique.violation) == 0 with input as fixtures.pod(with_ports(a, b))
}

test_allow_compliant_pod if {
	count(container_ports_unique.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_two_names_for_one_port_in_one_container if {
	a := [
		{"name": "http", "containerPort": 8080, "protocol": "TCP"},
		{"name": "http2", "containerPort": 8080, "protocol": "TCP"},
	]
	count(container_ports_unique.violation) == 0 with input as fixtures.pod(with_ports(a, [port(9102)]))
}

test_deny_one_container_repeats_a_host_port if {
	a := [
		{"name": "http", "containerPort": 8080, "hostPort": 80, "protocol": "TCP"},
		{"name": "http-alt", "containerPort": 8080, "hostPort": 80, "protocol": "TCP"},
	]
	found := container_ports_unique.violation with input as fixtures.workload("DaemonSet", with_ports(a, [port(9102)]))
	found == {{
		"container": "web",
		"path": "containers[0].ports[1].hostPort",
		"message": "hostPort 80/TCP on hostIP \"\" is declared again by this container (ports[0] has it); the API server refuses a repeated hostPort, and under hostNetwork every containerPort is also a hostPort",
	}}
}

test_deny_other_container_on_a_port_named_twice_is_reported_once if {
	a := [
		{"name": "http", "containerPort": 8080, "protocol": "TCP"},
		{"name": "http2", "containerPort": 8080, "protocol": "TCP"},
	]
	b := [{"name": "admin", "containerPort": 9000, "protocol": "TCP"}, port(8080), port(8080)]
	found := container_ports_unique.violation with input as fixtures.pod(with_ports(a, b))
	found == {{
		"container": "metrics",
		"path": "containers[1].ports[1].containerPort",
		"message": "containerPort 8080/TCP is also declared by container \"web\"; containers in a Pod share one network namespace",
	}}
}

test_deny_host_port_of_another_container_even_when_repeated if {
	a := [{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}]
	b := [{"containerPort": 81, "hostPort": 8080, "protocol": "TCP"}, {"containerPort": 82, "hostPort": 8080, "protocol": "TCP"}]
	found := container_ports_unique.violation with input as fixtures.workload("DaemonSet", with_ports(a, b))
	{v.path: v.message | some v in found} == {
		"containers[1].ports[0].hostPort": "hostPort 8080/TCP on hostIP \"\" is also declared by container \"web\"",
		"containers[1].ports[1].hostPort": "hostPort 8080/TCP on hostIP \"\" is declared again by this container (ports[0] has it); the API server refuses a repeated hostPort, and under hostNetwork every containerPort is also a hostPort",
	}
}
