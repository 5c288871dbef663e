package podpolicy.rules.security_capabilities_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_capabilities

with_caps(caps) := fixtures.with_container(fixtures.spec, {"securityContext": fixtures.replace(fixtures.container.securityContext, {"capabilities": caps})})

test_deny_nothing_dropped if {
	found := security_capabilities.violation with input as fixtures.pod(with_caps({}))
	{v.path | some v in found} == {"containers[0].securityContext.capabilities.drop"}
}

test_deny_added_capability_outside_allowed_list if {
	found := security_capabilities.violation with input as fixtures.workload("Deployment", with_caps({"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "SYS_ADMIN"]}))
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.capabilities.add[1]",
		"message": "capability SYS_ADMIN is added but not allowed",
		"fix": "remove SYS_ADMIN from capabilities.add (allowed: NET_BIND_SERVICE)",
	}}
}

test_allow_names_compared_without_case_and_prefix if {
	caps := {"drop": ["all"], "add": ["cap_net_bind_service"]}
	count(security_capabilities.violation) == 0 with input as fixtures.pod(with_caps(caps))
}

test_allow_configured_capability if {
	found := security_capabilities.violation with input as fixtures.pod(with_caps({"drop": ["ALL"], "add": ["NET_RAW"]}))
		with data.podpolicy.config.rules["security-capabilities"].allowedAdd as ["NET_RAW"]
	count(found) == 0
}

test_allow_compliant_pod if {
	count(security_capabilities.violation) == 0 with input as fixtures.pod(fixtures.spec)
}

test_allow_windows_pod_sets_none_of_the_linux_only_fields if {
	count(security_capabilities.violation) == 0 with input as fixtures.pod(fixtures.windows_spec)
}
