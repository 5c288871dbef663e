# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check rule-without-tests finds, for its tests.
# custom:
#   id: untested
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.untested # want: rule-without-tests

violation contains {"path": "hostAliases", "message": "the pod sets hostAliases"} if {
	input.pod.spec.hostAliases
}
