package podpolicy.rules.host_path_volumes_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_path_volumes

with_volumes(vs) := object.union(fixtures.spec, {"volumes": vs})

test_deny_host_path if {
	s := with_volumes([{"name": "tmp", "emptyDir": {}}, {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}])
	found := host_path_volumes.violation with input as object.union(fixtures.workload("DaemonSet", s), {"namespace": "ci"})
	found == {{
		"path": "volumes[1].hostPath",
		"message": "volume \"docker\" mounts hostPath /var/run/docker.sock",
		"fix": "use an emptyDir, configMap, secret or persistentVolumeClaim volume instead; if this is a node agent that needs the node's /var/run/docker.sock, add an exception with a reason to podpolicy's config (exceptions:): {rule: host-path-volumes, namespaces: [ci], names: [web], reason: \"<why it needs the node's /var/run/docker.sock>\"}",
	}}
}

test_allow_configured_prefix if {
	s := with_volumes([{"name": "logs", "hostPath": {"path": "/var/log/app"}}])
	found := host_path_volumes.violation with input as fixtures.pod(s)
		with data.podpolicy.config.rules["host-path-volumes"].allowedPaths as ["/var/log/"]
	count(found) == 0
}

test_allow_other_volumes if {
	s := with_volumes([{"name": "tmp", "emptyDir": {}}])
	count(host_path_volumes.violation) == 0 with input as fixtures.pod(s)
}

host_path_allowed(path, allowed) if {
	s := with_volumes([{"name": "logs", "hostPath": {"path": path}}])
	count(host_path_volumes.violation) == 0 with input as fixtures.pod(s)
		with data.podpolicy.config.rules["host-path-volumes"].allowedPaths as allowed
}

test_allow_allowed_path_covers_itself_and_what_lies_below if {
	host_path_allowed("/var/log", ["/var/log"])
	host_path_allowed("/var/log/", ["/var/log"])
	host_path_allowed("/var/log/app", ["/var/log"])
	host_path_allowed("/var/log/app/", ["/var/log/"])
	host_path_allowed("/var/log", ["/var/log/"])
	host_path_allowed("/anything", ["/"])
}

test_deny_allowed_path_matches_whole_segments_only if {
	not host_path_allowed("/var/log2", ["/var/log"])
	not host_path_allowed("/var/logs-secret", ["/var/log/"])
	not host_path_allowed("/var", ["/var/log"])
	not host_path_allowed("/var/log/../../etc", ["/var/log"])
	not host_path_allowed("var/log", ["/var/log"])
	not host_path_allowed("/etc", [""])
}

test_deny_host_path_without_a_path if {
	s := with_volumes([{"name": "odd", "hostPath": {}}])
	found := host_path_volumes.violation with input as fixtures.pod(s)
		with data.podpolicy.config.rules["host-path-volumes"].allowedPaths as ["/"]
	{v.path: v.message | some v in found} == {"volumes[0].hostPath": "volume \"odd\" is a hostPath volume without a path"}
}
