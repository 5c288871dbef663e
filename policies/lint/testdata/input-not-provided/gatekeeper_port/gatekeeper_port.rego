# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check input-not-provided finds, for its tests.
# custom:
#   id: gatekeeper-port
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.gatekeeper_port

import data.podpolicy.lib.pod

violation contains {"path": "hostAliases", "message": "the pod sets hostAliases"} if {
	input.review.object.spec.hostAliases # want: input-not-provided
}

violation contains {"path": "containers", "message": "too many containers"} if {
	count(input.pod.spec.containers) > input.parameters.maxContainers # want: input-not-provided
}

violation contains {"path": "containers", "message": "a privileged container"} if {
	some c in pod.spec.containers
	c.securityContext.privilegd # want: input-not-provided
}

violation contains {"path": "containers", "message": "a template"} if {
	input.pod.spec.template.spec.containers # want: input-not-provided
}

violation contains {"path": "hostNetwork", "message": "host network"} if {
	input.pod.hostNetwork # want: input-not-provided
}
