package podpolicy.rules.security_proc_mount_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_proc_mount

with_proc_mount(type) := fixtures.with_container(fixtures.spec, {"securityContext": object.union(fixtures.container.securityContext, {"procMount": type})})

test_deny_unmasked if {
	found := security_proc_mount.violation with input as fixtures.pod(with_proc_mount("Unmasked"))
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.procMount",
		"message": "securityContext.procMount is Unmasked, which unmasks the node's /proc",
		"fix": "remove securityContext.procMount, or set it to Default",
	}}
}

test_deny_unknown_value if {
	found := security_proc_mount.violation with input as fixtures.workload("StatefulSet", with_proc_mount("default"))
	{v.message | some v in found} == {"securityContext.procMount is default, which unmasks the node's /proc"}
}

test_deny_init_and_ephemeral_containers if {
	unmasked := {"procMount": "Unmasked"}
	s := object.union(fixtures.spec, {
		"initContainers": [{"name": "init", "image": "busybox:1.37", "securityContext": unmasked}],
		"ephemeralContainers": [{"name": "debug", "image": "busybox:1.37", "securityContext": unmasked}],
	})
	found := security_proc_mount.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"initContainers[0].securityContext.procMount", "ephemeralContainers[0].securityContext.procMount"}
}

test_allow_default_or_unset if {
	count(security_proc_mount.violation) == 0 with input as fixtures.pod(with_proc_mount("Default"))
	count(security_proc_mount.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_deny_user_namespace_pod_by_default if {
	s := object.union(with_proc_mount("Unmasked"), {"hostUsers": false})
	count(security_proc_mount.violation) == 1 with input as fixtures.pod(s)
}

test_allow_user_namespace_pod_when_configured if {
	s := object.union(with_proc_mount("Unmasked"), {"hostUsers": false})
	count(security_proc_mount.violation) == 0 with input as fixtures.pod(s)
		with data.podpolicy.config.rules["security-proc-mount"].allowInUserNamespace as true
}

test_deny_host_users_pod_even_when_configured if {
	s := object.union(with_proc_mount("Unmasked"), {"hostUsers": true})
	count(security_proc_mount.violation) == 1 with input as fixtures.pod(s)
		with data.podpolicy.config.rules["security-proc-mount"].allowInUserNamespace as true
}
