package podpolicy.rules.security_apparmor_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_apparmor

profile(type) := {"appArmorProfile": {"type": type}}

with_pod_profile(type) := object.union(fixtures.spec, {"securityContext": profile(type)})

with_container_profile(type) := fixtures.with_container(fixtures.spec, {"securityContext": object.union(fixtures.container.securityContext, profile(type))})

annotated(annotations) := object.union(fixtures.pod(fixtures.spec), {"pod": {"metadata": {"annotations": annotations}}})

test_deny_pod_unconfined if {
	found := security_apparmor.violation with input as fixtures.pod(with_pod_profile("Unconfined"))
	found == {{
		"path": "securityContext.appArmorProfile.type",
		"message": "the pod's appArmorProfile.type is Unconfined; containers that do not set one, and ephemeral containers added later, inherit it",
		"fix": "set the pod's securityContext.appArmorProfile.type to RuntimeDefault or Localhost, or remove appArmorProfile",
	}}
}

test_deny_container_unconfined if {
	found := security_apparmor.violation with input as fixtures.workload("Deployment", with_container_profile("Unconfined"))
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.appArmorProfile.type",
		"message": "appArmorProfile.type is Unconfined",
		"fix": "set securityContext.appArmorProfile.type to RuntimeDefault or Localhost, or remove appArmorProfile",
	}}
}

test_deny_profile_without_a_type if {
	found := security_apparmor.violation with input as fixtures.pod(object.union(fixtures.spec, {"securityContext": {"appArmorProfile": {}}}))
	{v.message | some v in found} == {"the pod's appArmorProfile.type is not set; containers that do not set one, and ephemeral containers added later, inherit it"}
}

test_deny_container_profile_without_a_type if {
	s := fixtures.with_container(fixtures.spec, {"securityContext": object.union(fixtures.container.securityContext, {"appArmorProfile": {}})})
	found := security_apparmor.violation with input as fixtures.pod(s)
	{v.path: v.message | some v in found} == {"containers[0].securityContext.appArmorProfile.type": "appArmorProfile.type is not set"}
}

test_deny_ephemeral_container_unconfined if {
	debug := {"name": "debug", "image": "busybox:1.37", "securityContext": profile("Unconfined")}
	found := security_apparmor.violation with input as fixtures.pod(object.union(fixtures.spec, {"ephemeralContainers": [debug]}))
	{v.path | some v in found} == {"ephemeralContainers[0].securityContext.appArmorProfile.type"}
}

test_allow_runtime_default_and_localhost if {
	count(security_apparmor.violation) == 0 with input as fixtures.pod(with_pod_profile("RuntimeDefault"))
	localhost := {"appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-nginx"}}
	s := fixtures.with_container(fixtures.spec, {"securityContext": object.union(fixtures.container.securityContext, localhost)})
	count(security_apparmor.violation) == 0 with input as fixtures.pod(s)
}

test_deny_unconfined_annotation if {
	found := security_apparmor.violation with input as annotated({"container.apparmor.security.beta.kubernetes.io/web": "unconfined"})
	found == {{
		"container": "web",
		"path": "metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]",
		"message": "annotation container.apparmor.security.beta.kubernetes.io/web is \"unconfined\", an AppArmor profile outside RuntimeDefault or Localhost",
		"fix": "remove the annotation and set securityContext.appArmorProfile.type of container \"web\" to RuntimeDefault or Localhost instead (the annotation is deprecated)",
	}}
}

test_deny_annotation_of_a_container_that_does_not_exist if {
	found := security_apparmor.violation with input as annotated({"container.apparmor.security.beta.kubernetes.io/ghost": "unconfined"})
	found == {{
		"path": "metadata.annotations[container.apparmor.security.beta.kubernetes.io/ghost]",
		"message": "annotation container.apparmor.security.beta.kubernetes.io/ghost is \"unconfined\", an AppArmor profile outside RuntimeDefault or Localhost, and names no container of this pod",
		"fix": "remove the annotation (the API server refuses an AppArmor annotation for a container the pod does not have)",
	}}
}

test_deny_annotation_value_that_is_no_profile if {
	found := security_apparmor.violation with input as annotated({
		"container.apparmor.security.beta.kubernetes.io/web": "docker-default",
		"container.apparmor.security.beta.kubernetes.io/metrics": 1,
	})
	{v.container: v.message | some v in found} == {
		"web": "annotation container.apparmor.security.beta.kubernetes.io/web is \"docker-default\", an AppArmor profile outside RuntimeDefault or Localhost",
		"metrics": "annotation container.apparmor.security.beta.kubernetes.io/metrics is 1 (not a string), an AppArmor profile outside RuntimeDefault or Localhost",
	}
}

test_allow_allowed_annotation_values if {
	doc := annotated({
		"container.apparmor.security.beta.kubernetes.io/web": "runtime/default",
		"container.apparmor.security.beta.kubernetes.io/metrics": "localhost/k8s-nginx",
		"container.apparmor.security.beta.kubernetes.io/ghost": "",
		"seccomp.security.alpha.kubernetes.io/pod": "unconfined",
	})
	count(security_apparmor.violation) == 0 with input as doc
}

test_allow_unconfined_when_configured if {
	doc := annotated({"container.apparmor.security.beta.kubernetes.io/web": "unconfined"})
	found := security_apparmor.violation with input as doc
		with data.podpolicy.config.rules["security-apparmor"].allowedTypes as ["RuntimeDefault", "Localhost", "Unconfined"]
	count(found) == 0
}

test_deny_localhost_annotation_when_localhost_is_not_allowed if {
	doc := annotated({"container.apparmor.security.beta.kubernetes.io/web": "localhost/k8s-nginx"})
	found := security_apparmor.violation with input as doc
		with data.podpolicy.config.rules["security-apparmor"].allowedTypes as ["RuntimeDefault"]
	{v.path | some v in found} == {"metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]"}
}

test_allow_compliant_pod if {
	count(security_apparmor.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
