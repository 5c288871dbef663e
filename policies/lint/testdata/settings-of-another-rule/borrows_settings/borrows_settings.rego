# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check settings-of-another-rule finds, for its tests.
# custom:
#   id: borrows-settings
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.borrows_settings

violation contains {"path": "containers", "message": "a host port"} if {
	some c in input.pod.spec.containers
	some port in c.ports
	port.hostPort in data.podpolicy.config.rules["host-ports"].allowed # want: settings-of-another-rule
}
