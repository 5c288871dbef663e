# METADATA
# title: Probes required
# description: |
#   A long-running container needs a livenessProbe, so the kubelet restarts it when it hangs, and
#   a readinessProbe, so it gets traffic only when ready. Pods of Jobs and CronJobs, and pods
#   with restartPolicy Never or OnFailure, run to completion and are exempt. The probes required
#   are configurable (`probes`, default livenessProbe and readinessProbe).
# custom:
#   id: probes-required
#   severity: medium
#   remediation: add a livenessProbe and a readinessProbe (httpGet, tcpSocket, grpc or exec)
package podpolicy.rules.probes_required

import data.podpolicy.config
import data.podpolicy.lib.pod

# violation reports each required probe a long-running app container lacks.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path("containers", i), ".", probe]),
	"message": sprintf("%s is not set", [probe]),
	"fix": sprintf("add a %s, for example an httpGet on the container's health endpoint", [probe]),
} if {
	pod.long_running
	some i, c in pod.spec.containers
	some probe in config.rules["probes-required"].probes
	not c[probe]
}
