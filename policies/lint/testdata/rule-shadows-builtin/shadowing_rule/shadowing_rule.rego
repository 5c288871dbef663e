# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check rule-shadows-builtin finds, for its tests.
# custom:
#   id: shadowing-rule
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.shadowing_rule

violation contains {"path": "containers", "message": "an unpinned image"} if {
	some c in input.pod.spec.containers
	trim(c.image) == c.image
}

trim(image) := image # want: rule-shadows-builtin
