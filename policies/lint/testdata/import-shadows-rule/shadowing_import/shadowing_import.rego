# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check import-shadows-rule finds, for its tests.
# custom:
#   id: shadowing-import
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.shadowing_import

import data.podpolicy.lib.pod # want: import-shadows-rule

violation contains {"path": "containers", "message": "a privileged container"} if {
	some c in pod.spec.containers
	c.securityContext.privileged
}

pod := input.pod
