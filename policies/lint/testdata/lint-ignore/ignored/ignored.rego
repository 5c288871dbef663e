# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check lint-ignore finds, for its tests.
# custom:
#   id: ignored
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.ignored

violation contains {"path": "hostNetwork", "message": "host network"} if {
	input.pod.spec.hostNetwork

	# lint:ignore constant-condition kept until the rollout of 2027-03 ends
	1 == 1
}

violation contains {"path": "hostPID", "message": "host PID"} if {
	input.pod.spec.hostPID
	2 == 2 # lint:ignore constant-condition
}

violation contains {"path": "hostIPC", "message": "host IPC"} if {
	input.pod.spec.hostIPC # lint:ignore constant-conditon a misspelt check
}

violation contains {"path": "shareProcessNamespace", "message": "a shared process namespace"} if {
	# lint:ignore sprintf-arguments-mismatch nothing here formats a message
	input.pod.spec.shareProcessNamespace
}
