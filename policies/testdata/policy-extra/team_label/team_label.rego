# METADATA
# title: Team label required
# description: Every pod template carries a team label, so alerts reach an owner.
# custom:
#   id: team-label
#   severity: low
#   remediation: add a team label to the pod template's metadata
package podpolicy.rules.team_label

import data.podpolicy.config

# violation reports a pod without a team label.
violation contains {"path": "metadata.labels.team", "message": "the pod has no team label"} if {
	not input.pod.metadata.labels.team
	config.rules["team-label"].action != "off"
}
