package podpolicy.lib.pod_test

import data.podpolicy.lib.fixtures
import data.podpolicy.lib.pod

test_allow_containers_lists_every_kind_with_paths if {
	s := object.union(fixtures.spec, {
		"initContainers": [{"name": "init", "image": "busybox:1.37"}],
		"ephemeralContainers": [{"name": "debug", "image": "busybox:1.37"}],
	})
	paths := {e.path | some e in pod.containers} with input as fixtures.pod(s)
	paths == {"containers[0]", "containers[1]", "initContainers[0]", "ephemeralContainers[0]"}
}

test_allow_concurrent_containers_include_only_restartable_init_containers if {
	s := object.union(fixtures.spec, {"initContainers": [
		{"name": "migrate", "image": "busybox:1.37"},
		{"name": "proxy", "image": "envoy:1.32", "restartPolicy": "Always"},
	]})
	names := {e.container.name | some e in pod.concurrent_containers} with input as fixtures.pod(s)
	names == {"web", "metrics", "proxy"}
}

test_allow_effective_prefers_container_over_pod if {
	s := object.union(fixtures.spec, {"securityContext": {"runAsUser": 0}})
	c := object.union(fixtures.container, {"securityContext": {"runAsUser": 1000}})
	pod.effective(c, "runAsUser") == 1000 with input as fixtures.pod(s)
	pod.effective({"name": "x"}, "runAsUser") == 0 with input as fixtures.pod(s)
}

test_deny_long_running_false_for_jobs_and_run_once_pods if {
	not pod.long_running with input as fixtures.workload("Job", fixtures.spec)
	not pod.long_running with input as fixtures.workload("CronJob", fixtures.spec)
	not pod.long_running with input as fixtures.pod(object.union(fixtures.spec, {"restartPolicy": "Never"}))
	pod.long_running with input as fixtures.pod(object.remove(fixtures.spec, ["restartPolicy"]))
}
