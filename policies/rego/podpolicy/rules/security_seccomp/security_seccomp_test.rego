package podpolicy.rules.security_seccomp_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_seccomp

plain := object.remove(fixtures.container, ["securityContext"])

profile(type) := {"securityContext": {"seccompProfile": {"type": type}}}

test_deny_unset_everywhere if {
	found := security_seccomp.violation with input as fixtures.pod({"containers": [plain]})
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.seccompProfile.type",
		"message": "no seccompProfile is set in the container's or the pod's securityContext, so the container runs Unconfined",
		"fix": "set securityContext.seccompProfile.type to RuntimeDefault on the pod or the container",
	}}
}

test_allow_unset_everywhere_when_no_profile_is_required if {
	count(security_seccomp.violation) == 0 with input as fixtures.pod({"containers": [plain]})
		with data.podpolicy.config.rules["security-seccomp"].requireProfile as false
}

test_allow_pod_level_profile if {
	s := object.union(profile("RuntimeDefault"), {"containers": [plain]})
	count(security_seccomp.violation) == 0 with input as fixtures.pod(s)
}

test_deny_container_unconfined_overrides_pod if {
	c := object.union(plain, profile("Unconfined"))
	s := object.union(profile("RuntimeDefault"), {"containers": [c]})
	found := security_seccomp.violation with input as fixtures.workload("Job", s)
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.seccompProfile.type",
		"message": "seccompProfile.type is Unconfined",
		"fix": "set securityContext.seccompProfile.type to RuntimeDefault or Localhost",
	}}
}

test_deny_pod_unconfined_even_when_every_container_overrides_it if {
	c := object.union(plain, profile("RuntimeDefault"))
	s := object.union(profile("Unconfined"), {"containers": [c]})
	found := security_seccomp.violation with input as fixtures.pod(s)
	found == {{
		"path": "securityContext.seccompProfile.type",
		"message": "the pod's seccompProfile.type is Unconfined; containers that do not set one, and ephemeral containers added later, inherit it",
		"fix": "set the pod's securityContext.seccompProfile.type to RuntimeDefault or Localhost",
	}}
}

test_deny_pod_unconfined_is_reported_once_for_inheriting_containers if {
	s := object.union(profile("Unconfined"), {"containers": [plain, object.union(plain, {"name": "metrics"})]})
	found := security_seccomp.violation with input as fixtures.pod(s)
	{v.path | some v in found} == {"securityContext.seccompProfile.type"}
}

test_deny_explicit_unconfined_even_when_no_profile_is_required if {
	s := object.union(profile("Unconfined"), {"containers": [plain]})
	found := security_seccomp.violation with input as fixtures.pod(s)
		with data.podpolicy.config.rules["security-seccomp"].requireProfile as false
	{v.path | some v in found} == {"securityContext.seccompProfile.type"}
}

test_deny_profile_without_a_type if {
	c := object.union(plain, {"securityContext": {"seccompProfile": {}}})
	found := security_seccomp.violation with input as fixtures.pod({"containers": [c]})
	{v.message | some v in found} == {"seccompProfile.type is not set"}
}

test_allow_localhost_profile if {
	c := object.union(plain, {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}})
	count(security_seccomp.violation) == 0 with input as fixtures.pod({"containers": [c]})
}

test_allow_compliant_pod if {
	count(security_seccomp.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_windows_pod_sets_none_of_the_linux_only_fields if {
	count(security_seccomp.violation) == 0 with input as fixtures.pod(fixtures.windows_spec)
}

test_deny_pod_profile_without_a_type if {
	s := {"securityContext": {"seccompProfile": {}}, "containers": [plain]}
	found := security_seccomp.violation with input as fixtures.pod(s)
	{v.path: v.message | some v in found} == {"securityContext.seccompProfile.type": "the pod's seccompProfile.type is not set; containers that do not set one, and ephemeral containers added later, inherit it"}
}
