# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check var-shadows-builtin finds, for its tests.
# custom:
#   id: shadowing-var
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.shadowing_var

violation contains {"path": "containers", "message": "too many containers"} if {
	count := 3 # want: var-shadows-builtin
	input.pod.spec.containers[count]
}
