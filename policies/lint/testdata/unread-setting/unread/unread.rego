# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check unread-setting finds, for its tests.
# custom:
#   id: unread
#   severity: low
#   remediation: fix the fixture
#   settings:
#     minContainers: 1
#     maxContainers: 8 # want: unread-setting
package podpolicy.rules.unread

import data.podpolicy.config

violation contains {"path": "containers", "message": "too few containers"} if {
	config.rules.unread.minContainers > count(input.pod.spec.containers)
}
