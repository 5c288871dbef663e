# METADATA
# title: Resource limits required
# description: |
#   Every container and init container sets limits, so one container cannot starve the node. A
#   container without a memory limit can grow until the node runs out and the kernel kills it
#   (OOMKilled). The resources checked are configurable (`resources`, default cpu and memory). A
#   pod-level limit (spec.resources.limits) bounds all the containers together and satisfies the
#   rule for the resources it sets.
# custom:
#   id: resources-limits-required
#   severity: medium
#   remediation: set resources.limits for cpu and memory on every container
package podpolicy.rules.resources_limits_required

import data.podpolicy.config
import data.podpolicy.lib.pod

examples := {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "1Gi"}

# violation reports each configured resource a container does not limit.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".resources.limits.", resource]),
	"message": sprintf("resources.limits.%s is not set", [resource]),
	"fix": sprintf("set a %s limit such as %s", [resource, object.get(examples, resource, "a quantity")]),
} if {
	some f in pod.resourced
	some i, c in pod.spec[f]
	some resource in config.rules["resources-limits-required"].resources
	not c.resources.limits[resource]
	not pod.spec.resources.limits[resource]
}
