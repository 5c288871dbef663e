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

test_allow_pod_level_limits_cover_every_container if {
	bare := object.remove(fixtures.container, ["resources"])
	s := object.union(fixtures.spec, {
		"resources": {"limits": {"cpu": "1", "memory": "512Mi"}},
		"containers": [bare, object.union(bare, {"name": "metrics"})],
		"initContainers": [{"name": "migrate", "image": "busybox:1.37"}],
	})
	count(resources_limits_required.violation) == 0 with input as fixtures.pod(s)
}

test_deny_pod_level_limits_cover_only_what_they_set if {
	s := object.union(fixtures.spec, {
		"resources": {"limits": {"memory": "512Mi"}},
		"containers": [object.remove(fixtures.container, ["resources"])],
	})
	found := resources_limits_required.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"containers[0].resources.limits.cpu"}
}

test_deny_pod_level_requests_are_no_limits if {
	s := object.union(fixtures.spec, {
		"resources": {"requests": {"cpu": "1", "memory": "512Mi"}},
		"containers": [object.remove(fixtures.container, ["resources"])],
	})
	count(resources_limits_required.violation) == 2 with input as fixtures.pod(s)
}
