package podpolicy.rules.resources_requests_required_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.resources_requests_required

test_deny_container_without_requests if {
	s := fixtures.with_container(fixtures.spec, {"resources": {"limits": {"cpu": "1"}}})
	found := resources_requests_required.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"containers[0].resources.requests.cpu", "containers[0].resources.requests.memory"}
}

test_deny_init_container_without_requests if {
	s := object.union(fixtures.spec, {"initContainers": [{"name": "migrate", "image": "busybox:1.37"}]})
	found := resources_requests_required.violation with input as fixtures.workload("StatefulSet", s)
	{v.path | some v in found} == {"initContainers[0].resources.requests.cpu", "initContainers[0].resources.requests.memory"}
	every v in found {
		v.container == "migrate"
	}
}

test_allow_ephemeral_containers_are_not_checked if {
	s := object.union(fixtures.spec, {"ephemeralContainers": [{"name": "debug", "image": "busybox:1.37"}]})
	count(resources_requests_required.violation) == 0 with input as fixtures.pod(s)
}

test_allow_resource_list_is_configurable if {
	s := fixtures.with_container(fixtures.spec, {"resources": {"requests": {"memory": "1Gi"}}})
	found := resources_requests_required.violation with input as fixtures.pod(s)
		with data.podpolicy.config.rules["resources-requests-required"].resources as ["memory"]
	count(found) == 0
}

test_allow_compliant_pod if {
	count(resources_requests_required.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_pod_level_requests_cover_every_container if {
	bare := object.remove(fixtures.container, ["resources"])
	s := object.union(fixtures.spec, {
		"resources": {"requests": {"cpu": "1", "memory": "512Mi"}},
		"containers": [bare, object.union(bare, {"name": "metrics"})],
		"initContainers": [{"name": "migrate", "image": "busybox:1.37"}],
	})
	count(resources_requests_required.violation) == 0 with input as fixtures.pod(s)
}

test_allow_pod_level_limits_default_the_pod_level_requests if {
	s := object.union(fixtures.spec, {
		"resources": {"limits": {"cpu": "1", "memory": "512Mi"}},
		"containers": [object.remove(fixtures.container, ["resources"])],
	})
	count(resources_requests_required.violation) == 0 with input as fixtures.workload("Deployment", s)
}

test_deny_pod_level_requests_cover_only_what_they_set if {
	s := object.union(fixtures.spec, {
		"resources": {"requests": {"cpu": "1"}},
		"containers": [object.remove(fixtures.container, ["resources"])],
	})
	found := resources_requests_required.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"containers[0].resources.requests.memory"}
}
