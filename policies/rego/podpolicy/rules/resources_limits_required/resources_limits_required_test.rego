package podpolicy.rules.resources_limits_required_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.resources_limits_required

test_deny_container_without_memory_limit if {
	s := fixtures.with_container(fixtures.spec, {"resources": {"limits": {"cpu": "1"}}})
	found := resources_limits_required.violation with input as fixtures.pod(s)
	found == {{
		"container": "web",
		"path": "containers[0].resources.limits.memory",
		"message": "resources.limits.memory is not set",
		"fix": "set a memory limit such as 256Mi",
	}}
}

test_deny_init_container_without_limits if {
	s := object.union(fixtures.spec, {"initContainers": [{"name": "migrate", "image": "busybox:1.37"}]})
	count(resources_limits_required.violation) == 2 with input as fixtures.workload("Job", s)
}

test_allow_cpu_limit_not_required_when_configured_out if {
	s := fixtures.with_container(fixtures.spec, {"resources": {"limits": {"memory": "1Gi"}}})
	found := resources_limits_required.violation with input as fixtures.pod(s)
		with data.podpolicy.config.rules["resources-limits-required"].resources as ["memory"]
	count(found) == 0
}

test_allow_compliant_pod if {
	count(resources_limits_required.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
