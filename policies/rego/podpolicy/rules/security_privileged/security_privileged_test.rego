package podpolicy.rules.security_privileged_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_privileged

test_deny_privileged_container if {
	s := fixtures.with_container(fixtures.spec, {"securityContext": object.union(fixtures.container.securityContext, {"privileged": true})})
	found := security_privileged.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"containers[0].securityContext.privileged"}
}

test_deny_privileged_ephemeral_container if {
	s := object.union(fixtures.spec, {"ephemeralContainers": [{"name": "debug", "image": "busybox:1.37", "securityContext": {"privileged": true}}]})
	found := security_privileged.violation with input as fixtures.pod(s)
	{v.container | some v in found} == {"debug"}
}

test_allow_unprivileged if {
	s := fixtures.with_container(fixtures.spec, {"securityContext": {"privileged": false}})
	count(security_privileged.violation) == 0 with input as fixtures.workload("DaemonSet", s)
}
