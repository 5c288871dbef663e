package podpolicy.rules.security_privilege_escalation_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_privilege_escalation

test_deny_unset if {
	s := fixtures.with_container(fixtures.spec, {"securityContext": {"runAsNonRoot": true}})
	found := security_privilege_escalation.violation with input as fixtures.pod(s)
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.allowPrivilegeEscalation",
		"message": "securityContext.allowPrivilegeEscalation is not set",
	}}
}

test_deny_true if {
	s := fixtures.with_container(fixtures.spec, {"securityContext": {"allowPrivilegeEscalation": true}})
	found := security_privilege_escalation.violation with input as fixtures.workload("CronJob", s)
	{v.message | some v in found} == {"securityContext.allowPrivilegeEscalation is not false"}
}

test_deny_init_container_unset if {
	s := object.union(fixtures.spec, {"initContainers": [{"name": "migrate", "image": "busybox:1.37"}]})
	found := security_privilege_escalation.violation with input as fixtures.pod(s)
	{v.container | some v in found} == {"migrate"}
}

test_allow_false if {
	count(security_privilege_escalation.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_windows_pod_sets_none_of_the_linux_only_fields if {
	count(security_privilege_escalation.violation) == 0 with input as fixtures.pod(fixtures.windows_spec)
}
