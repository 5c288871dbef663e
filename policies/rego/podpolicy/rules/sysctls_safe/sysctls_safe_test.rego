package podpolicy.rules.sysctls_safe_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.sysctls_safe

with_sysctls(list) := object.union(fixtures.spec, {"securityContext": {"sysctls": list}})

test_deny_unsafe_sysctl if {
	s := with_sysctls([{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "net.core.somaxconn", "value": "1024"}])
	found := sysctls_safe.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"securityContext.sysctls[1].name"}
}

test_allow_baseline_sysctls if {
	s := with_sysctls([{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}, {"name": "kernel.shm_rmid_forced", "value": "1"}])
	count(sysctls_safe.violation) == 0 with input as fixtures.workload("Deployment", s)
}
