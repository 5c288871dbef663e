# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check unused-output-variable finds, for its tests.
# custom:
#   id: unused-output
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.unused_output

violation contains {"path": "containers", "message": "a privileged container"} if {
	some i
	input.pod.spec.containers[i].securityContext.privileged # want: unused-output-variable
}
