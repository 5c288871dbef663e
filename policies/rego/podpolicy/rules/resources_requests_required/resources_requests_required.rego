# METADATA
# title: Resource requests required
# description: |
#   Every container and init container requests the CPU and memory it needs, so the scheduler
#   places the Pod on a node that can run it. Requests default from limits, as the API server
#   does, so a container with only limits passes. The resources checked are configurable
#   (`resources`, default cpu and memory). A pod-level request (spec.resources.requests, which
#   defaults from spec.resources.limits) covers all the containers together and satisfies the
#   rule for the resources it sets.
# custom:
#   id: resources-requests-required
#   severity: medium
#   remediation: set resources.requests for cpu and memory on every container
package podpolicy.rules.resources_requests_required

import data.podpolicy.config
import data.podpolicy.lib.pod

examples := {"cpu": "100m", "memory": "128Mi", "ephemeral-storage": "1Gi"}

# violation reports each configured resource a container does not request.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".resources.requests.", resource]),
	"message": sprintf("resources.requests.%s is not set", [resource]),
	"fix": sprintf("set a %s request such as %s", [resource, object.get(examples, resource, "a quantity")]),
} if {
	some f in pod.resourced
	some i, c in pod.spec[f]
	some resource in config.rules["resources-requests-required"].resources
	not c.resources.requests[resource]
	not pod_requests(resource)
}

# pod_requests reports whether the pod-level resources request a resource; the API server
# defaults a pod-level request from the pod-level limit.
pod_requests(resource) if pod.spec.resources.requests[resource]

pod_requests(resource) if pod.spec.resources.limits[resource]
