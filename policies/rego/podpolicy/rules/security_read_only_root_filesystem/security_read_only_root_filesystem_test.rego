package podpolicy.rules.security_read_only_root_filesystem_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_read_only_root_filesystem

test_deny_unset if {
	s := {"containers": [{"name": "web", "image": "nginx:1.27.3"}]}
	found := security_read_only_root_filesystem.violation with input as fixtures.pod(s)
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.readOnlyRootFilesystem",
		"message": "securityContext.readOnlyRootFilesystem is not true",
		"fix": "set securityContext.readOnlyRootFilesystem to true and mount an emptyDir volume where the app writes (e.g. /tmp)",
	}}
}

test_allow_ephemeral_container_that_cannot_mount_a_volume if {
	s := object.union(fixtures.spec, {"ephemeralContainers": [{"name": "debug", "image": "busybox:1.37", "securityContext": {"readOnlyRootFilesystem": false}}]})
	count(security_read_only_root_filesystem.violation) == 0 with input as fixtures.pod(s)
}

test_deny_init_container if {
	s := object.union(fixtures.spec, {"initContainers": [{"name": "migrate", "image": "migrate:1.2"}]})
	found := security_read_only_root_filesystem.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"initContainers[0].securityContext.readOnlyRootFilesystem"}
}

test_deny_false_in_workload if {
	s := fixtures.with_container(fixtures.spec, {"securityContext": {"readOnlyRootFilesystem": false}})
	count(security_read_only_root_filesystem.violation) == 1 with input as fixtures.workload("StatefulSet", s)
}

test_allow_true if {
	count(security_read_only_root_filesystem.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_windows_pod_sets_none_of_the_linux_only_fields if {
	count(security_read_only_root_filesystem.violation) == 0 with input as fixtures.pod(fixtures.windows_spec)
}
