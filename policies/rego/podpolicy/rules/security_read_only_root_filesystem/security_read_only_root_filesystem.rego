# METADATA
# title: Read-only root filesystem
# description: |
#   A read-only root filesystem stops an attacker from changing the container's binaries and
#   makes writes go to declared volumes. Every container and init container must set
#   readOnlyRootFilesystem: true. Ephemeral containers are not judged: one cannot add a volume to
#   a running Pod, so a debugging container (kubectl debug --profile=restricted) could write
#   nowhere. A Windows Pod (spec.os.name: windows), on which the API server forbids the field, is
#   skipped. Pod Security Admission does not require this at any level.
# custom:
#   id: security-read-only-root-filesystem
#   severity: medium
#   remediation: set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where the app writes
package podpolicy.rules.security_read_only_root_filesystem

import data.podpolicy.lib.pod

# violation reports every container and init container whose root filesystem is writable.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.readOnlyRootFilesystem"]),
	"message": "securityContext.readOnlyRootFilesystem is not true",
	"fix": "set securityContext.readOnlyRootFilesystem to true and mount an emptyDir volume where the app writes (e.g. /tmp)",
} if {
	not pod.windows
	some f in pod.resourced
	some i, c in pod.spec[f]
	not c.securityContext.readOnlyRootFilesystem == true
}
