# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check invalid-regexp finds, for its tests.
# custom:
#   id: bad-regexp
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.bad_regexp

violation contains {"path": "containers", "message": "an image of a bad registry"} if {
	some c in input.pod.spec.containers
	regex.match(`^registry\.example\.com/(shop|web`, c.image) # want: invalid-regexp
}
