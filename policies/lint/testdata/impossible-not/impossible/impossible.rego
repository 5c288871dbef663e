# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check impossible-not finds, for its tests.
# custom:
#   id: impossible
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.impossible

violation contains {"path": "hostNetwork", "message": "host network"} if {
	input.pod.spec.hostNetwork
}
