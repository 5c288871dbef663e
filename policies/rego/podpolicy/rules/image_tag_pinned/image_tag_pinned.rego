# METADATA
# title: Image tag pinned
# description: |
#   An image without a tag, or with the tag latest, can change under a running workload: two
#   replicas may run different code, and a rollback cannot go back. Every image must carry a tag
#   other than latest, or a @sha256: digest. A registry port (registry:5000/app) is not a tag.
# custom:
#   id: image-tag-pinned
#   severity: medium
#   remediation: pin the image to a version tag (<repository>:<version>) or to a digest (<repository>@sha256:<digest>)
package podpolicy.rules.image_tag_pinned

import data.podpolicy.lib.pod

# tag returns the tag of an image reference, or "" when it has none. Only the last path segment
# can carry a tag: text after the last colon that holds a slash is a registry host's port and
# path, never a tag. (One split instead of one per separator: this runs for every container.)
tag(image) := t if {
	parts := split(image, ":")
	count(parts) > 1
	t := parts[count(parts) - 1]
	not contains(t, "/")
} else := ""

# violation reports each image that is neither tagged with a version nor pinned by digest.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".image"]),
	"message": message(c.image),
	"fix": sprintf("pin it to a version tag, %s:<version>, or to a digest, %s@sha256:<digest>", [repository(c.image), repository(c.image)]),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	not contains(c.image, "@sha256:")
	tag(c.image) in {"", "latest"}
}

message(image) := sprintf("image %q has no tag", [image]) if tag(image) == ""

message(image) := sprintf("image %q uses the tag latest", [image]) if tag(image) == "latest"

# repository is an image reference without its tag (or the empty tag of "app:").
repository(image) := substring(image, 0, (count(image) - count(t)) - 1) if {
	t := tag(image)
	t != ""
} else := trim_suffix(image, ":")
