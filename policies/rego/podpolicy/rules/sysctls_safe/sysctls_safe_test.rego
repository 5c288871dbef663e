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

test_allow_safe_sysctl_written_with_slashes if {
	s := with_sysctls([{"name": "net/ipv4/ip_local_port_range", "value": "1024 65535"}])
	count(sysctls_safe.violation) == 0 with input as fixtures.pod(s)
}

test_deny_unsafe_sysctl_written_with_slashes_names_it_as_written if {
	s := with_sysctls([{"name": "net/core/somaxconn", "value": "1024"}])
	found := sysctls_safe.violation with input as fixtures.pod(s)
	found == {{
		"path": "securityContext.sysctls[0].name",
		"message": "sysctl net/core/somaxconn is not in the safe set; the kubelet would reject the Pod with SysctlForbidden",
	}}
}

test_allow_normalise_swaps_dots_and_slashes_only_when_a_slash_comes_first if {
	sysctls_safe.normalise("net/ipv4/conf/eno2.100/rp_filter") == "net.ipv4.conf.eno2/100.rp_filter"
	sysctls_safe.normalise("net.ipv4.conf.eno2/100.rp_filter") == "net.ipv4.conf.eno2/100.rp_filter"
	sysctls_safe.normalise("kernel.shm_rmid_forced") == "kernel.shm_rmid_forced"
	sysctls_safe.normalise("vm") == "vm"
}

test_allow_allowed_list_written_with_slashes if {
	s := with_sysctls([{"name": "net.core.somaxconn", "value": "1024"}])
	count(sysctls_safe.violation) == 0 with input as fixtures.pod(s)
		with data.podpolicy.config.rules["sysctls-safe"].allowed as ["net/core/somaxconn"]
}

test_deny_sysctl_name_that_is_not_a_string if {
	s := with_sysctls([{"name": 42, "value": "1"}])
	found := sysctls_safe.violation with input as fixtures.pod(s)
	{v.message | some v in found} == {"sysctl 42 is not in the safe set; the kubelet would reject the Pod with SysctlForbidden"}
}
