# METADATA
# title: Probe port declared
# description: |
#   A probe may name its port (httpGet.port or tcpSocket.port given as a string). The name must
#   be declared in the same container's ports, or the probe can never succeed and the container
#   is restarted over and over (CrashLoopBackOff).
# custom:
#   id: probe-port-declared
#   severity: high
#   remediation: declare the named port in the container's ports, or give the probe a port number
package podpolicy.rules.probe_port_declared

import data.podpolicy.lib.pod

probes := ["livenessProbe", "readinessProbe", "startupProbe"]

handlers := ["httpGet", "tcpSocket"]

# violation reports a probe port name the container does not declare.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".", probe, ".", handler, ".port"]),
	"message": sprintf("%s names port %q, which the container does not declare", [probe, port]),
	"fix": sprintf("add a port named %q to the container's ports, or use the port number", [port]),
} if {
	some f in pod.resourced
	some i, c in pod.spec[f]
	some probe in probes
	some handler in handlers
	port := c[probe][handler].port
	is_string(port)
	not declared(f, i, port)
}

declared(f, i, name) if {
	some p in pod.spec[f][i].ports
	p.name == name
}
