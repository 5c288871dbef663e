# METADATA
# title: Memory ceiling
# description: |
#   No container may be given more than 2Gi of memory, at creation or by an in-place resize
#   (pods/resize): the e2e suite's custom rule, which only a change of resources can break.
# custom:
#   id: memory-ceiling
#   severity: medium
#   remediation: keep resources.limits.memory at 2Gi or less
package podpolicy.rules.memory_ceiling

import data.podpolicy.lib.pod

# violation reports every memory limit above 2Gi.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".resources.limits.memory"]),
	"message": sprintf("resources.limits.memory %s is above the ceiling of 2Gi", [c.resources.limits.memory]),
} if {
	some f in pod.resourced
	some i, c in pod.spec[f]
	units.parse_bytes(c.resources.limits.memory) > units.parse_bytes("2Gi")
}
