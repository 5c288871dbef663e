package podpolicy.rules.host_path_volumes_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_path_volumes

with_volumes(vs) := object.union(fixtures.spec, {"volumes": vs})

test_deny_host_path if {
	s := with_volumes([{"name": "tmp", "emptyDir": {}}, {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}])
	found := host_path_volumes.violation with input as fixtures.workload("DaemonSet", s)
	found == {{"path": "volumes[1].hostPath", "message": "volume \"docker\" mounts hostPath /var/run/docker.sock"}}
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
