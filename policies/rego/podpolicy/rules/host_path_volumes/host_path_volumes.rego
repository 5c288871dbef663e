# METADATA
# title: hostPath volumes forbidden
# description: |
#   A hostPath volume mounts a directory of the node into the Pod, exposing the node's files and
#   tying the Pod to that node. Paths under a prefix in `allowedPaths` (default none) are allowed.
# custom:
#   id: host-path-volumes
#   severity: high
#   remediation: use an emptyDir, configMap, secret or persistentVolumeClaim volume instead
package podpolicy.rules.host_path_volumes

import data.podpolicy.config
import data.podpolicy.lib.pod

# violation reports each hostPath volume outside the allowed paths.
violation contains {
	"path": sprintf("volumes[%d].hostPath", [i]),
	"message": sprintf("volume %q mounts hostPath %s", [volume.name, volume.hostPath.path]),
} if {
	some i, volume in pod.spec.volumes
	volume.hostPath
	not allowed(volume.hostPath.path)
}

allowed(path) if {
	some prefix in config.rules["host-path-volumes"].allowedPaths
	startswith(path, prefix)
}
