package podpolicy.rules.host_process_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_process

on := {"windowsOptions": {"hostProcess": true}}

test_deny_pod_level_host_process if {
	s := object.union(fixtures.windows_spec, {"hostNetwork": true, "securityContext": on})
	found := host_process.violation with input as object.union(fixtures.workload("DaemonSet", s), {"namespace": "kube-monitoring"})
	found == {{
		"path": "securityContext.windowsOptions.hostProcess",
		"message": "the pod's securityContext.windowsOptions.hostProcess is true, so every container runs as a process on the node",
		"fix": "remove windowsOptions.hostProcess from the pod's securityContext or set it to false; if this is a node agent that needs to run as a process on the node, add an exception with a reason to podpolicy's config (exceptions:): {rule: host-process, namespaces: [kube-monitoring], names: [web], reason: \"<why it needs to run as a process on the node>\"}",
	}}
}

test_deny_container_host_process if {
	c := object.union(fixtures.windows_container, {"securityContext": on})
	s := object.union(fixtures.windows_spec, {"containers": [c]})
	found := host_process.violation with input as fixtures.pod(s)
	{v.container: v.path | some v in found} == {"iis": "containers[0].securityContext.windowsOptions.hostProcess"}
}

test_deny_init_and_ephemeral_containers if {
	s := object.union(fixtures.windows_spec, {
		"initContainers": [{"name": "setup", "image": "mcr.microsoft.com/windows/nanoserver:ltsc2022", "securityContext": on}],
		"ephemeralContainers": [{"name": "debug", "image": "mcr.microsoft.com/windows/nanoserver:ltsc2022", "securityContext": on}],
	})
	found := host_process.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"initContainers[0].securityContext.windowsOptions.hostProcess", "ephemeralContainers[0].securityContext.windowsOptions.hostProcess"}
}

test_allow_host_process_false_or_unset if {
	c := object.union(fixtures.windows_container, {"securityContext": {"windowsOptions": {"hostProcess": false}}})
	count(host_process.violation) == 0 with input as fixtures.pod(object.union(fixtures.windows_spec, {"containers": [c]}))
	count(host_process.violation) == 0 with input as fixtures.pod(fixtures.windows_spec)
	count(host_process.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
