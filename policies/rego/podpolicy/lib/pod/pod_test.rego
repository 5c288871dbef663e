package podpolicy.lib.pod_test

import data.podpolicy.lib.fixtures
import data.podpolicy.lib.pod

with_all_kinds := object.union(fixtures.spec, {
	"initContainers": [
		{"name": "migrate", "image": "busybox:1.37"},
		{"name": "proxy", "image": "envoy:1.32", "restartPolicy": "Always"},
	],
	"ephemeralContainers": [{"name": "debug", "image": "busybox:1.37"}],
})

test_allow_paths_name_every_container_kind if {
	paths := [pod.path(f, i) | some f in pod.all; some i, _ in pod.spec[f]] with input as fixtures.pod(with_all_kinds)
	paths == ["containers[0]", "containers[1]", "initContainers[0]", "initContainers[1]", "ephemeralContainers[0]"]
}

test_allow_concurrent_containers_include_only_restartable_init_containers if {
	names := [c.name | some f in pod.all; some i, c in pod.spec[f]; pod.concurrent(f, i)] with input as fixtures.pod(with_all_kinds)
	names == ["web", "metrics", "proxy"]
}

test_allow_effective_prefers_container_over_pod if {
	s := {"securityContext": {"runAsUser": 0}, "containers": [{"name": "a", "securityContext": {"runAsUser": 1000}}, {"name": "b"}]}
	pod.effective("containers", 0, "runAsUser") == 1000 with input as fixtures.pod(s)
	pod.effective("containers", 1, "runAsUser") == 0 with input as fixtures.pod(s)
	not pod.effective("containers", 1, "runAsGroup") with input as fixtures.pod(s)
}

test_deny_long_running_false_for_jobs_and_run_once_pods if {
	not pod.long_running with input as fixtures.workload("Job", fixtures.spec)
	not pod.long_running with input as fixtures.workload("CronJob", fixtures.spec)
	not pod.long_running with input as fixtures.workload("PyTorchJob", fixtures.spec)
	pod.long_running with input as fixtures.workload("Rollout", object.remove(fixtures.spec, ["restartPolicy"]))
	not pod.long_running with input as fixtures.pod(object.union(fixtures.spec, {"restartPolicy": "Never"}))
	pod.long_running with input as fixtures.pod(object.remove(fixtures.spec, ["restartPolicy"]))
}

test_allow_windows_only_when_the_pod_says_so if {
	pod.windows with input as fixtures.pod(object.union(fixtures.spec, {"os": {"name": "windows"}}))
	not pod.windows with input as fixtures.pod(object.union(fixtures.spec, {"os": {"name": "linux"}}))
	not pod.windows with input as fixtures.pod(fixtures.spec)
}

test_allow_user_namespace_only_when_host_users_is_false if {
	pod.user_namespace with input as fixtures.pod(object.union(fixtures.spec, {"hostUsers": false}))
	not pod.user_namespace with input as fixtures.pod(object.union(fixtures.spec, {"hostUsers": true}))
	not pod.user_namespace with input as fixtures.pod(fixtures.spec)
}
