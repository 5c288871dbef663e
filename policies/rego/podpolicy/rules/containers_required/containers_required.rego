# METADATA
# title: Containers required
# description: |
#   A Pod is a box of one or more containers and can never be empty: spec.containers must list at
#   least one container.
# custom:
#   id: containers-required
#   severity: high
#   remediation: add at least one container to spec.containers
package podpolicy.rules.containers_required

import data.podpolicy.lib.pod

# violation reports a pod spec whose containers list is missing or empty.
violation contains {"path": "containers", "message": "the pod has no containers"} if {
	not pod.spec.containers[0]
}
