# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check path-not-in-pod-spec finds, for its tests.
# custom:
#   id: odd-paths
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.odd_paths

import data.podpolicy.lib.pod

violation contains {
	"path": "image", # want: path-not-in-pod-spec
	"message": "an image is unpinned",
} if {
	input.pod.spec.containers[0].image == "nginx"
}

violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.privilegd"]), # want: path-not-in-pod-spec
	"message": "the container is privileged",
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	c.securityContext.privileged
}

violation contains {
	"path": sprintf("volumes[%d].hostPath.pth", [i]), # want: path-not-in-pod-spec
	"message": "a hostPath volume",
} if {
	some i, v in pod.spec.volumes
	v.hostPath
}

violation contains {
	"path": sprintf("metadata.annotations[%s]", [key]), # a map key: no finding
	"message": "an annotation",
} if {
	some key, _ in input.pod.metadata.annotations
	startswith(key, "example.com/")
}
