# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check annotation-without-metadata finds, for its tests.
# custom:
#   id: no-metadata
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.no_metadata

# title: Host network # want: annotation-without-metadata
# description: reports a pod on the host's network
host_network if input.pod.spec.hostNetwork

violation contains {"path": "hostNetwork", "message": "host network"} if {
	host_network
}
