package podpolicy.rules.security_seccomp_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_seccomp

plain := object.remove(fixtures.container, ["securityContext"])

test_deny_unset_everywhere if {
	found := security_seccomp.violation with input as fixtures.pod({"containers": [plain]})
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.seccompProfile.type",
		"message": "the effective seccompProfile.type is Unconfined",
	}}
}

test_allow_pod_level_profile if {
	s := {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [plain]}
	count(security_seccomp.violation) == 0 with input as fixtures.pod(s)
}

test_deny_container_unconfined_overrides_pod if {
	c := object.union(plain, {"securityContext": {"seccompProfile": {"type": "Unconfined"}}})
	s := {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [c]}
	count(security_seccomp.violation) == 1 with input as fixtures.workload("Job", s)
}

test_allow_localhost_profile if {
	c := object.union(plain, {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}})
	count(security_seccomp.violation) == 0 with input as fixtures.pod({"containers": [c]})
}

test_allow_compliant_pod if {
	count(security_seccomp.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_windows_pod_sets_none_of_the_linux_only_fields if {
	count(security_seccomp.violation) == 0 with input as fixtures.pod(fixtures.windows_spec)
}
