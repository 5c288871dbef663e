# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check path-from-object-root finds, for its tests.
# custom:
#   id: root-path
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.root_path

violation contains {
	"path": "spec.hostAliases", # want: path-from-object-root
	"message": "the pod sets hostAliases",
} if {
	input.pod.spec.hostAliases
}

violation contains {
	"path": "spec.template.metadata.labels", # want: path-from-object-root
	"message": "the pod has no team label",
} if {
	not input.pod.metadata.labels.team
}

violation contains {
	"path": "metadata.labels", # the pod's own metadata: no finding
	"message": "the pod has an owner label",
} if {
	input.pod.metadata.labels.owner
}
