# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check constant-condition finds, for its tests.
# custom:
#   id: constant
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.constant

violation contains {"path": "hostNetwork", "message": "host network"} if {
	input.pod.spec.hostNetwork
	1 == 1 # want: constant-condition
}

violation contains {"path": "hostPID", "message": "host PID"} if {
	input.pod.spec.hostPID
	"yes" # want: constant-condition
}
