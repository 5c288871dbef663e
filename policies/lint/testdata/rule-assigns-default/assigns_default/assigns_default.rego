# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check rule-assigns-default finds, for its tests.
# custom:
#   id: assigns-default
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.assigns_default

default restart_policy := "Always"

restart_policy := "Always" if input.pod.spec.restartPolicy == "" # want: rule-assigns-default

restart_policy := input.pod.spec.restartPolicy if input.pod.spec.restartPolicy != ""

violation contains {"path": "restartPolicy", "message": "the pod never restarts"} if {
	restart_policy == "Never"
}
