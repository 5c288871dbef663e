package podpolicy.rules.security_run_as_non_root_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_run_as_non_root

strip(c) := fixtures.replace(c, {"securityContext": object.remove(c.securityContext, ["runAsNonRoot"])})

test_deny_neither_pod_nor_container_sets_run_as_non_root if {
	s := {"containers": [strip(fixtures.container)]}
	found := security_run_as_non_root.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"containers[0].securityContext.runAsNonRoot"}
}

test_allow_pod_level_run_as_non_root_applies_to_containers if {
	s := {"securityContext": {"runAsNonRoot": true}, "containers": [strip(fixtures.container)]}
	count(security_run_as_non_root.violation) == 0 with input as fixtures.pod(s)
}

test_deny_container_overrides_pod_with_false if {
	c := object.union(fixtures.container, {"securityContext": {"runAsNonRoot": false}})
	s := {"securityContext": {"runAsNonRoot": true}, "containers": [c]}
	count(security_run_as_non_root.violation) == 1 with input as fixtures.workload("Deployment", s)
}

test_deny_pod_run_as_user_zero if {
	s := object.union(fixtures.spec, {"securityContext": {"runAsNonRoot": true, "runAsUser": 0}})
	found := security_run_as_non_root.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"containers[0].securityContext.runAsUser", "containers[1].securityContext.runAsUser"}
}

test_allow_container_user_overrides_pod_root if {
	c := object.union(fixtures.container, {"securityContext": {"runAsNonRoot": true, "runAsUser": 1000}})
	s := {"securityContext": {"runAsUser": 0}, "containers": [c]}
	count(security_run_as_non_root.violation) == 0 with input as fixtures.pod(s)
}

test_allow_compliant_pod if {
	count(security_run_as_non_root.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
