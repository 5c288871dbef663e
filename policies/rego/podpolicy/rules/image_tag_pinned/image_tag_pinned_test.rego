package podpolicy.rules.image_tag_pinned_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.image_tag_pinned

with_image(image) := fixtures.with_container(fixtures.spec, {"image": image})

paths(image) := {v.path | some v in found} if {
	found := image_tag_pinned.violation with input as fixtures.pod(with_image(image))
}

test_deny_latest if {
	found := image_tag_pinned.violation with input as fixtures.pod(with_image("registry.example.com/shop/api:latest"))
	found == {{
		"container": "web",
		"path": "containers[0].image",
		"message": "image \"registry.example.com/shop/api:latest\" uses the tag latest",
		"fix": "pin it to a version tag, registry.example.com/shop/api:<version>, or to a digest, registry.example.com/shop/api@sha256:<digest>",
	}}
}

fixes(image) := {v.fix | some v in found} if {
	found := image_tag_pinned.violation with input as fixtures.pod(with_image(image))
}

test_deny_fix_names_the_users_repository if {
	fixes("registry:5000/team/app") == {"pin it to a version tag, registry:5000/team/app:<version>, or to a digest, registry:5000/team/app@sha256:<digest>"}
	fixes("registry:5000/team/app:latest") == {"pin it to a version tag, registry:5000/team/app:<version>, or to a digest, registry:5000/team/app@sha256:<digest>"}
	fixes("busybox") == {"pin it to a version tag, busybox:<version>, or to a digest, busybox@sha256:<digest>"}
	fixes("busybox:") == {"pin it to a version tag, busybox:<version>, or to a digest, busybox@sha256:<digest>"}
}

test_deny_no_tag if {
	paths("nginx") == {"containers[0].image"}
}

test_deny_registry_port_is_not_a_tag if {
	found := image_tag_pinned.violation with input as fixtures.workload("Deployment", with_image("registry:5000/app"))
	{v.message | some v in found} == {"image \"registry:5000/app\" has no tag"}
}

test_allow_registry_port_with_tag if {
	paths("registry:5000/team/app:1.4.2") == set()
}

test_allow_digest if {
	paths("nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31") == set()
	paths("nginx:latest@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31") == set()
}

test_deny_latest_init_and_ephemeral_containers if {
	s := object.union(fixtures.spec, {
		"initContainers": [{"name": "init", "image": "busybox"}],
		"ephemeralContainers": [{"name": "debug", "image": "busybox:latest"}],
	})
	found := image_tag_pinned.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"initContainers[0].image", "ephemeralContainers[0].image"}
}

test_allow_compliant_pod if {
	count(image_tag_pinned.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
