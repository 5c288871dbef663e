# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check not-equals-in-loop finds, for its tests.
# custom:
#   id: not-equals
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.not_equals

violation contains {"path": "containers", "message": "a container that is not web"} if {
	"web" != input.pod.spec.containers[_].name # want: not-equals-in-loop
}
