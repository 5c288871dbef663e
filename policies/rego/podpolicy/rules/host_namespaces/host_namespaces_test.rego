package podpolicy.rules.host_namespaces_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_namespaces

test_deny_each_host_namespace if {
	s := object.union(fixtures.spec, {"hostNetwork": true, "hostPID": true, "hostIPC": true})
	found := host_namespaces.violation with input as fixtures.workload("DaemonSet", s)
	{v.path | some v in found} == {"hostNetwork", "hostPID", "hostIPC"}
}

test_allow_false if {
	s := object.union(fixtures.spec, {"hostNetwork": false})
	count(host_namespaces.violation) == 0 with input as fixtures.pod(s)
}
