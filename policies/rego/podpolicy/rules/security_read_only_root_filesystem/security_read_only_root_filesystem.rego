# METADATA
# title: Read-only root filesystem
# description: |
#   A read-only root filesystem stops an attacker from changing the container's binaries and
#   makes writes go to declared volumes. Every container must set readOnlyRootFilesystem: true.
#   A Windows Pod (spec.os.name: windows), on which the API server forbids the field, is skipped.
# custom:
#   id: security-read-only-root-filesystem
#   severity: medium
#   remediation: set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where the app writes
package podpolicy.rules.security_read_only_root_filesystem

import data.podpolicy.lib.pod

# violation reports every container whose root filesystem is writable.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.readOnlyRootFilesystem"]),
	"message": "securityContext.readOnlyRootFilesystem is not true",
	"fix": read_only_fix(f),
} if {
	not pod.windows
	some f in pod.all
	some i, c in pod.spec[f]
	not c.securityContext.readOnlyRootFilesystem == true
}

# read_only_fix tells where the container can write instead. An ephemeral container cannot add
# a volume to a running Pod, only mount one the Pod already has.
read_only_fix("ephemeralContainers") := "set securityContext.readOnlyRootFilesystem to true; an ephemeral container cannot add a volume, so let it write only to a volume the pod already has (volumeMounts), or to none"

read_only_fix(f) := "set securityContext.readOnlyRootFilesystem to true and mount an emptyDir volume where the app writes (e.g. /tmp)" if f != "ephemeralContainers"
