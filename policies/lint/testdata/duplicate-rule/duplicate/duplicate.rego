# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check duplicate-rule finds, for its tests.
# custom:
#   id: duplicate
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.duplicate

violation contains {"path": "hostNetwork", "message": "host network"} if {
	input.pod.spec.hostNetwork
}

violation contains {"path": "hostNetwork", "message": "host network"} if { # want: duplicate-rule
	input.pod.spec.hostNetwork
}
