# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check top-level-iteration finds, for its tests.
# custom:
#   id: top-level
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.top_level

image := input.pod.spec.containers[i].image # want: top-level-iteration, unused-output-variable

violation contains {"path": "containers", "message": "an unpinned image"} if {
	endswith(image, ":latest")
}
