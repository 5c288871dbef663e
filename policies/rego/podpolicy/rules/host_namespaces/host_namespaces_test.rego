package podpolicy.rules.host_namespaces_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_namespaces

test_deny_each_host_namespace if {
	s := object.union(fixtures.spec, {"hostNetwork": true, "hostPID": true, "hostIPC": true})
	found := host_namespaces.violation with input as fixtures.workload("DaemonSet", s)
	{v.path | some v in found} == {"hostNetwork", "hostPID", "hostIPC"}
}

test_deny_fix_points_a_node_agent_to_an_exception if {
	s := object.union(fixtures.spec, {"hostPID": true})
	doc := object.union(fixtures.pod(s), {"namespace": "monitoring", "name": "node-exporter", "pod": {"metadata": {"name": "node-exporter"}}})
	found := host_namespaces.violation with input as doc
	found == {{
		"path": "hostPID",
		"message": "hostPID is true",
		"fix": "remove hostPID or set it to false; if this is a node agent that needs hostPID, add an exception with a reason to podpolicy's config (exceptions:): {rule: host-namespaces, namespaces: [monitoring], names: [node-exporter], reason: \"<why it needs hostPID>\"}",
	}}
}

test_allow_false if {
	s := object.union(fixtures.spec, {"hostNetwork": false})
	count(host_namespaces.violation) == 0 with input as fixtures.pod(s)
}
