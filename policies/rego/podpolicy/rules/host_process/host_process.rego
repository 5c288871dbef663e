# METADATA
# title: Windows HostProcess forbidden
# description: |
#   A Windows HostProcess container (securityContext.windowsOptions.hostProcess: true) runs as a
#   process on the node itself, with the node's network and file system: it is the Windows
#   counterpart of a privileged container. Neither the pod nor any container, ephemeral ones
#   included, may set it. A node agent that needs it gets an exception, with a reason, in
#   podpolicy's config.
# custom:
#   id: host-process
#   severity: critical
#   remediation: remove securityContext.windowsOptions.hostProcess, or set it to false
package podpolicy.rules.host_process

import data.podpolicy.lib.fix
import data.podpolicy.lib.pod

# violation reports a pod that makes all its containers HostProcess containers.
violation contains {
	"path": "securityContext.windowsOptions.hostProcess",
	"message": "the pod's securityContext.windowsOptions.hostProcess is true, so every container runs as a process on the node",
	"fix": sprintf("remove windowsOptions.hostProcess from the pod's securityContext or set it to false; %s", [fix.node_agent("host-process", "to run as a process on the node")]),
} if {
	pod.spec.securityContext.windowsOptions.hostProcess == true
}

# violation reports each HostProcess container.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.windowsOptions.hostProcess"]),
	"message": "securityContext.windowsOptions.hostProcess is true, so the container runs as a process on the node",
	"fix": sprintf("remove securityContext.windowsOptions.hostProcess or set it to false; %s", [fix.node_agent("host-process", "to run as a process on the node")]),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	c.securityContext.windowsOptions.hostProcess == true
}
