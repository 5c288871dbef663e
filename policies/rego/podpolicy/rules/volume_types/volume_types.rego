# METADATA
# title: Volume types restricted
# description: |
#   Volumes that mount storage of the node or of a network storage system by its address (nfs,
#   iscsi, rbd, ...), or run code to fill them (gitRepo, flexVolume), bypass the cluster's storage
#   classes and access control. Only the types in `allowedTypes` may be used (default, as Pod
#   Security Admission's restricted level in 1.37: configMap, csi, downwardAPI, emptyDir,
#   ephemeral, image, persistentVolumeClaim, projected, secret). A type the rule does not know,
#   such as a field a later API adds, is not allowed. hostPath volumes are judged by
#   host-path-volumes and its allowedPaths, not here. A volume that names no source is the
#   emptyDir the API server defaults it to.
# custom:
#   id: volume-types
#   severity: medium
#   remediation: use a volume of an allowed type, e.g. a persistentVolumeClaim instead of a network volume
package podpolicy.rules.volume_types

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["volume-types"]

allowed_text := concat(", ", settings.allowedTypes)

# violation reports each volume source of a type that is not allowed.
violation contains {
	"path": sprintf("volumes[%d].%s", [i, type]),
	"message": sprintf("volume %q is of type %s, which is not allowed", [volume.name, type]),
	"fix": sprintf("use a volume of an allowed type instead (%s): a persistentVolumeClaim for storage, a secret or configMap for configuration", [allowed_text]),
} if {
	some i, volume in pod.spec.volumes
	some type, _ in volume
	not type in {"name", "hostPath"}
	not type in settings.allowedTypes
}

# violation reports a volume that names no source, which the API server makes an emptyDir, when
# emptyDir is not allowed.
violation contains {
	"path": sprintf("volumes[%d]", [i]),
	"message": sprintf("volume %q names no source, so it is an emptyDir, which is not allowed", [volume.name]),
	"fix": sprintf("give the volume a source of an allowed type (%s)", [allowed_text]),
} if {
	not "emptyDir" in settings.allowedTypes
	some i, volume in pod.spec.volumes
	object.keys(volume) == {"name"}
}
