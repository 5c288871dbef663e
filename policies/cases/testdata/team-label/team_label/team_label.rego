# METADATA
# title: Team label required
# description: Every Pod carries a team label, so its alerts reach an owner.
# custom:
#   id: team-label
#   severity: low
#   remediation: add a team label to the pod template's metadata
package podpolicy.rules.team_label

# violation reports a Pod without a team label.
violation contains {"path": "metadata.labels", "message": "the pod has no team label"} if {
	not input.pod.metadata.labels.team
}
