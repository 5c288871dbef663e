# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check undeclared-setting finds, for its tests.
# custom:
#   id: undeclared
#   severity: low
#   remediation: fix the fixture
#   settings:
#     minContainers: 1
package podpolicy.rules.undeclared

import data.podpolicy.config

violation contains {"path": "containers", "message": "too many containers"} if {
	count(input.pod.spec.containers) > config.rules.undeclared.maxContainers # want: undeclared-setting
}

violation contains {"path": "containers", "message": "too few replicas"} if {
	config.rules.undeclared.minContainers > count(input.pod.spec.containers) # declared: no finding
}

violation contains {"path": "containers", "message": "a key of no config"} if {
	config.limits.containers < count(input.pod.spec.containers) # want: undeclared-setting
}
