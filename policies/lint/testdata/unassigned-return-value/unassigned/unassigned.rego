# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check unassigned-return-value finds, for its tests.
# custom:
#   id: unassigned
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.unassigned

violation contains {"path": "containers", "message": "an upper-case name"} if {
	some c in input.pod.spec.containers
	lower(c.name) # want: unassigned-return-value
	c.name != lower(c.name)
}
