package podpolicy.rules.security_selinux_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_selinux

with_pod_options(options) := object.union(fixtures.spec, {"securityContext": {"seLinuxOptions": options}})

with_container_options(options) := fixtures.with_container(fixtures.spec, {"securityContext": object.union(fixtures.container.securityContext, {"seLinuxOptions": options})})

test_deny_pod_type_outside_the_allowed_set if {
	found := security_selinux.violation with input as fixtures.pod(with_pod_options({"type": "spc_t"}))
	found == {{
		"path": "securityContext.seLinuxOptions.type",
		"message": "the pod's seLinuxOptions.type is \"spc_t\"; containers that do not set one, and ephemeral containers added later, inherit it",
		"fix": "set the pod's securityContext.seLinuxOptions.type to one of \"\" (unset), \"container_t\", \"container_init_t\", \"container_kvm_t\", \"container_engine_t\", or remove it",
	}}
}

test_deny_container_type_outside_the_allowed_set if {
	found := security_selinux.violation with input as fixtures.workload("DaemonSet", with_container_options({"type": "unconfined_t"}))
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.seLinuxOptions.type",
		"message": "seLinuxOptions.type is \"unconfined_t\"",
		"fix": "set securityContext.seLinuxOptions.type to one of \"\" (unset), \"container_t\", \"container_init_t\", \"container_kvm_t\", \"container_engine_t\", or remove it",
	}}
}

test_deny_type_with_odd_characters_is_compared_exactly if {
	odd := ["container_t ", "Container_t", "container_t\n", "container_t:s0", "\"container_t\"", "*"]
	every type in odd {
		found := security_selinux.violation with input as fixtures.pod(with_container_options({"type": type}))
		{v.path | some v in found} == {"containers[0].securityContext.seLinuxOptions.type"}
	}
}

test_deny_type_that_is_not_a_string if {
	found := security_selinux.violation with input as fixtures.pod(with_container_options({"type": 7}))
	{v.message | some v in found} == {"seLinuxOptions.type is 7 (not a string)"}
}

test_deny_user_and_role if {
	found := security_selinux.violation with input as fixtures.pod(with_container_options({"user": "system_u", "role": "system_r"}))
	{v.path: v.message | some v in found} == {
		"containers[0].securityContext.seLinuxOptions.user": "seLinuxOptions.user is set (\"system_u\")",
		"containers[0].securityContext.seLinuxOptions.role": "seLinuxOptions.role is set (\"system_r\")",
	}
}

test_deny_pod_user if {
	found := security_selinux.violation with input as fixtures.pod(with_pod_options({"user": "system_u"}))
	found == {{
		"path": "securityContext.seLinuxOptions.user",
		"message": "the pod's seLinuxOptions.user is set (\"system_u\"); containers that do not set one, and ephemeral containers added later, inherit it",
		"fix": "remove securityContext.seLinuxOptions.user from the pod",
	}}
}

test_deny_ephemeral_container if {
	debug := {"name": "debug", "image": "busybox:1.37", "securityContext": {"seLinuxOptions": {"type": "spc_t"}}}
	found := security_selinux.violation with input as fixtures.pod(object.union(fixtures.spec, {"ephemeralContainers": [debug]}))
	{v.path | some v in found} == {"ephemeralContainers[0].securityContext.seLinuxOptions.type"}
}

test_allow_allowed_types_level_and_empty_user_and_role if {
	every type in ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"] {
		count(security_selinux.violation) == 0 with input as fixtures.pod(with_container_options({"type": type, "level": "s0:c123,c456", "user": "", "role": ""}))
	}
	count(security_selinux.violation) == 0 with input as fixtures.pod(with_pod_options({"level": "s0:c1,c2"}))
}

test_allow_configured_type if {
	found := security_selinux.violation with input as fixtures.pod(with_container_options({"type": "spc_t"}))
		with data.podpolicy.config.rules["security-selinux"].allowedTypes as ["", "spc_t"]
	count(found) == 0
}

test_allow_compliant_pod if {
	count(security_selinux.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
