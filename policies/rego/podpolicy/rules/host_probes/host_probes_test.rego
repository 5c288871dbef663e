package podpolicy.rules.host_probes_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.host_probes

with_web(patch) := fixtures.with_container(fixtures.spec, patch)

test_deny_http_probe_host if {
	s := with_web({"livenessProbe": {"httpGet": {"host": "bad.host", "path": "/healthz", "port": "http"}}})
	found := host_probes.violation with input as fixtures.pod(s)
	found == {{
		"container": "web",
		"path": "containers[0].livenessProbe.httpGet.host",
		"message": "livenessProbe.httpGet.host is \"bad.host\", so the kubelet connects to that address instead of to the Pod",
		"fix": "remove host, so the kubelet connects to the Pod's own IP; to send a Host header, set httpGet.httpHeaders to [{name: Host, value: <the name>}]",
	}}
}

test_deny_loopback_hosts_as_pod_security_admission_does if {
	s := with_web({
		"readinessProbe": {"tcpSocket": {"host": "::1", "port": 8080}},
		"startupProbe": {"httpGet": {"host": "127.0.0.1", "port": 8080}},
	})
	found := host_probes.violation with input as fixtures.workload("Deployment", s)
	{v.path: v.fix | some v in found} == {
		"containers[0].readinessProbe.tcpSocket.host": "remove host, so the kubelet connects to the Pod's own IP",
		"containers[0].startupProbe.httpGet.host": "remove host, so the kubelet connects to the Pod's own IP; to send a Host header, set httpGet.httpHeaders to [{name: Host, value: <the name>}]",
	}
}

test_deny_lifecycle_host if {
	s := with_web({"lifecycle": {
		"postStart": {"httpGet": {"host": "bad.host", "port": 8080}},
		"preStop": {"tcpSocket": {"host": "10.0.0.1", "port": 8080}},
	}})
	found := host_probes.violation with input as fixtures.pod(s)
	{v.path: v.message | some v in found} == {
		"containers[0].lifecycle.postStart.httpGet.host": "lifecycle.postStart.httpGet.host is \"bad.host\", so the kubelet connects to that address instead of to the Pod",
		"containers[0].lifecycle.preStop.tcpSocket.host": "lifecycle.preStop.tcpSocket.host is \"10.0.0.1\", so the kubelet connects to that address instead of to the Pod",
	}
}

test_deny_restartable_init_container_probe_host if {
	sidecar := {"name": "proxy", "image": "envoy:1.32", "restartPolicy": "Always", "readinessProbe": {"tcpSocket": {"host": "8.8.8.8", "port": 8080}}}
	s := object.union(fixtures.spec, {"initContainers": [sidecar]})
	found := host_probes.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"initContainers[0].readinessProbe.tcpSocket.host"}
}

test_deny_host_that_is_not_a_string if {
	s := with_web({"livenessProbe": {"tcpSocket": {"host": 10, "port": 8080}}})
	found := host_probes.violation with input as fixtures.pod(s)
	{v.message | some v in found} == {"livenessProbe.tcpSocket.host is 10 (not a string), so the kubelet connects to that address instead of to the Pod"}
}

test_allow_empty_or_unset_host if {
	s := with_web({"livenessProbe": {"httpGet": {"host": "", "path": "/healthz", "port": "http"}}, "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}}})
	count(host_probes.violation) == 0 with input as fixtures.pod(s)
	count(host_probes.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_configured_host if {
	s := with_web({"livenessProbe": {"httpGet": {"host": "127.0.0.1", "port": 8080}}})
	found := host_probes.violation with input as fixtures.pod(s)
		with data.podpolicy.config.rules["host-probes"].allowedHosts as ["127.0.0.1"]
	count(found) == 0
}
