package podpolicy.rules.security_run_as_non_root_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_run_as_non_root

strip(c) := fixtures.with_fields(c, {"securityContext": object.remove(c.securityContext, ["runAsNonRoot"])})

paths(s) := found if {
	found := {v.path | some v in security_run_as_non_root.violation} with input as fixtures.pod(s)
}

test_deny_neither_pod_nor_container_sets_run_as_non_root if {
	s := {"containers": [strip(fixtures.container)]}
	found := security_run_as_non_root.violation with input as fixtures.pod(s)
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.runAsNonRoot",
		"message": "runAsNonRoot is not set in the container's or the pod's securityContext",
		"fix": "set securityContext.runAsNonRoot to true on the pod or the container",
	}}
}

test_allow_pod_level_run_as_non_root_applies_to_containers if {
	s := {"securityContext": {"runAsNonRoot": true}, "containers": [strip(fixtures.container)]}
	count(security_run_as_non_root.violation) == 0 with input as fixtures.pod(s)
}

test_allow_every_container_sets_run_as_non_root_without_the_pod if {
	s := {"containers": [fixtures.container, fixtures.sidecar]}
	count(security_run_as_non_root.violation) == 0 with input as fixtures.pod(s)
}

test_deny_container_overrides_pod_with_false if {
	c := object.union(fixtures.container, {"securityContext": {"runAsNonRoot": false}})
	s := {"securityContext": {"runAsNonRoot": true}, "containers": [c]}
	found := security_run_as_non_root.violation with input as fixtures.workload("Deployment", s)
	{v.path: v.message | some v in found} == {"containers[0].securityContext.runAsNonRoot": "securityContext.runAsNonRoot is false"}
}

test_deny_pod_level_false_even_when_every_container_overrides_it if {
	s := {"securityContext": {"runAsNonRoot": false}, "containers": [fixtures.container]}
	found := security_run_as_non_root.violation with input as fixtures.pod(s)
	found == {{
		"path": "securityContext.runAsNonRoot",
		"message": "the pod's securityContext.runAsNonRoot is false; containers that do not set it, and ephemeral containers added later, inherit it",
		"fix": "set the pod's securityContext.runAsNonRoot to true",
	}}
}

test_deny_pod_level_false_is_reported_once_for_inheriting_containers if {
	s := {"securityContext": {"runAsNonRoot": false}, "containers": [strip(fixtures.container), strip(fixtures.sidecar)]}
	paths(s) == {"securityContext.runAsNonRoot"}
}

test_deny_pod_run_as_user_zero if {
	s := object.union(fixtures.spec, {"securityContext": {"runAsNonRoot": true, "runAsUser": 0}})
	found := security_run_as_non_root.violation with input as fixtures.pod(s)
	found == {{
		"path": "securityContext.runAsUser",
		"message": "the pod's securityContext.runAsUser is 0 (root); containers that do not set runAsUser, and ephemeral containers added later, inherit it",
		"fix": "set the pod's securityContext.runAsUser to a non-zero UID such as 10001, or remove it",
	}}
}

test_deny_pod_root_even_when_every_container_overrides_it if {
	c := object.union(fixtures.container, {"securityContext": {"runAsNonRoot": true, "runAsUser": 1000}})
	s := {"securityContext": {"runAsUser": 0}, "containers": [c]}
	paths(s) == {"securityContext.runAsUser"}
}

test_deny_container_run_as_user_zero if {
	c := object.union(fixtures.container, {"securityContext": {"runAsNonRoot": true, "runAsUser": 0}})
	s := {"securityContext": {"runAsUser": 1000}, "containers": [c]}
	found := security_run_as_non_root.violation with input as fixtures.pod(s)
	{v.container: v.path | some v in found} == {"web": "containers[0].securityContext.runAsUser"}
}

test_deny_ephemeral_container_is_judged_too if {
	debug := {"name": "debug", "image": "busybox:1.37", "securityContext": {"runAsUser": 0}}
	s := object.union(fixtures.spec, {"ephemeralContainers": [debug]})
	paths(s) == {"ephemeralContainers[0].securityContext.runAsUser"}
}

test_allow_user_namespace_pod_may_run_as_uid_zero if {
	c := object.union(strip(fixtures.container), {"securityContext": {"runAsUser": 0}})
	s := {"hostUsers": false, "securityContext": {"runAsUser": 0}, "containers": [c]}
	count(security_run_as_non_root.violation) == 0 with input as fixtures.pod(s)
}

test_deny_user_namespace_pod_when_the_exemption_is_off if {
	s := {"hostUsers": false, "securityContext": {"runAsUser": 0}, "containers": [strip(fixtures.container)]}
	found := security_run_as_non_root.violation with input as fixtures.pod(s)
		with data.podpolicy.config.rules["security-run-as-non-root"].allowInUserNamespace as false
	{v.path | some v in found} == {"securityContext.runAsUser", "containers[0].securityContext.runAsNonRoot"}
}

test_allow_compliant_pod if {
	count(security_run_as_non_root.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
