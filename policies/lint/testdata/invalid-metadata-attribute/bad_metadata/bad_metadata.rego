# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check invalid-metadata-attribute finds, for its tests.
# custom:
#   id: bad-metadata
#   severity: low
#   remediation: fix the fixture
#   remedation: drop hostNetwork # want: invalid-metadata-attribute
# settings: # want: invalid-metadata-attribute
#   allowed: []
package podpolicy.rules.bad_metadata

violation contains {"path": "hostNetwork", "message": "host network"} if {
	input.pod.spec.hostNetwork
}
