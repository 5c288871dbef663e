# METADATA
# title: Probe and lifecycle hosts restricted
# description: |
#   A probe or lifecycle handler (httpGet, tcpSocket) with a `host` makes the kubelet connect to
#   that address from the node, instead of to the Pod: a way to reach, and scan, addresses the
#   Pod itself could not (node-local services, other networks). Judged as Pod Security
#   Admission (baseline, 1.34+) judges: no liveness, readiness or startup probe and no
#   postStart or preStop handler of any container may set host, except to a value in
#   `allowedHosts` (default none; PSA allows none, not even 127.0.0.1).
# custom:
#   id: host-probes
#   severity: medium
#   remediation: remove host from the probe or lifecycle handler, so the kubelet connects to the Pod's own IP
package podpolicy.rules.host_probes

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["host-probes"]

probes := ["livenessProbe", "readinessProbe", "startupProbe"]

hooks := ["postStart", "preStop"]

handlers := ["httpGet", "tcpSocket"]

# violation reports a probe that sets a host.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".", probe, ".", handler, ".host"]),
	"message": sprintf("%s.%s.host is %s, so the kubelet connects to that address instead of to the Pod", [probe, handler, describe(host)]),
	"fix": fix_text(handler),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	some probe in probes
	action := c[probe]
	some handler in handlers
	host := action[handler].host
	forbidden(host)
}

# violation reports a lifecycle handler that sets a host.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".lifecycle.", hook, ".", handler, ".host"]),
	"message": sprintf("lifecycle.%s.%s.host is %s, so the kubelet connects to that address instead of to the Pod", [hook, handler, describe(host)]),
	"fix": fix_text(handler),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	lifecycle := c.lifecycle
	some hook in hooks
	action := lifecycle[hook]
	some handler in handlers
	host := action[handler].host
	forbidden(host)
}

forbidden(host) if {
	host != ""
	not host in settings.allowedHosts
}

fix_text("httpGet") := "remove host, so the kubelet connects to the Pod's own IP; to send a Host header, set httpGet.httpHeaders to [{name: Host, value: <the name>}]"

fix_text("tcpSocket") := "remove host, so the kubelet connects to the Pod's own IP"

describe(host) := sprintf("%q", [host]) if is_string(host)

describe(host) := sprintf("%v (not a string)", [host]) if not is_string(host)
