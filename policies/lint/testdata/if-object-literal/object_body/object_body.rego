# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check if-object-literal finds, for its tests.
# custom:
#   id: object-body
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.object_body

violation contains {"path": "hostNetwork", "message": "host network"} if {
	input.pod.spec.hostNetwork
}

host_network_allowed if {} # want: if-object-literal
