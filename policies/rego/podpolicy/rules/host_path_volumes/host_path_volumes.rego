# METADATA
# title: hostPath volumes forbidden
# description: |
#   A hostPath volume mounts a directory of the node into the Pod, exposing the node's files and
#   tying the Pod to that node. A path in `allowedPaths` (default none) allows itself and what lies
#   below it, matched by whole path segments: /var/log allows /var/log and /var/log/app, but not
#   /var/log2 or /var/logs-secret. Trailing slashes do not matter; a path with a .. segment is
#   never allowed. A node agent that must read the node's files gets an exception, with a reason,
#   in podpolicy's config; the fix says which.
# custom:
#   id: host-path-volumes
#   severity: high
#   remediation: use an emptyDir, configMap, secret or persistentVolumeClaim volume instead
package podpolicy.rules.host_path_volumes

import data.podpolicy.config
import data.podpolicy.lib.fix
import data.podpolicy.lib.pod

# violation reports each hostPath volume outside the allowed paths.
violation contains {
	"path": sprintf("volumes[%d].hostPath", [i]),
	"message": message(volume.name, host_path(i)),
	"fix": sprintf("use an emptyDir, configMap, secret or persistentVolumeClaim volume instead; %s", [fix.node_agent("host-path-volumes", sprintf("the node's %v", [host_path(i)]))]),
} if {
	some i, volume in pod.spec.volumes
	volume.hostPath
	not allowed(host_path(i))
}

message(name, "") := sprintf("volume %q is a hostPath volume without a path", [name])

message(name, path) := sprintf("volume %q mounts hostPath %v", [name, path]) if path != ""

# host_path is the path of the hostPath volume volumes[i]; "" when it has none.
host_path(i) := path if {
	path := pod.spec.volumes[i].hostPath.path
} else := ""

# allowed_paths holds the allowed paths without their trailing slashes ("/" stays "/").
allowed_paths := {clean(path) | some path in config.rules["host-path-volumes"].allowedPaths; path != ""}

clean(path) := "/" if {
	trim_right(path, "/") == ""
} else := trim_right(path, "/")

allowed(path) if {
	is_string(path)
	startswith(path, "/")
	not contains(concat("", [path, "/"]), "/../")
	some prefix in allowed_paths
	below(prefix, clean(path))
}

# below reports whether path is prefix itself or lies under it, by whole segments.
below(prefix, path) if prefix == path

below("/", _)

below(prefix, path) if startswith(path, concat("", [prefix, "/"]))
