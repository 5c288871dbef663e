package podpolicy.rules.security_capabilities_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.security_capabilities

with_caps(caps) := fixtures.with_container(fixtures.spec, {"securityContext": fixtures.with_fields(fixtures.container.securityContext, {"capabilities": caps})})

test_deny_nothing_dropped if {
	found := security_capabilities.violation with input as fixtures.pod(with_caps({}))
	found == {{
		"container": "web",
		"path": "containers[0].securityContext.capabilities.drop",
		"message": "securityContext.capabilities.drop does not include ALL",
		"fix": "set securityContext.capabilities.drop to [ALL]",
	}}
}

test_deny_lower_case_all_drops_nothing if {
	found := security_capabilities.violation with input as fixtures.pod(with_caps({"drop": ["all"]}))
	{v.message | some v in found} == {"securityContext.capabilities.drop lists \"all\"; only \"ALL\", in capitals, drops every capability"}
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

test_deny_names_are_matched_exactly if {
	caps := {"drop": ["ALL"], "add": ["cap_net_bind_service", "CAP_NET_BIND_SERVICE", "net_bind_service"]}
	found := security_capabilities.violation with input as fixtures.pod(with_caps(caps))
	{v.path: v.fix | some v in found} == {
		"containers[0].securityContext.capabilities.add[0]": "write NET_BIND_SERVICE exactly as allowed: capability names are matched exactly, in capitals and without CAP_",
		"containers[0].securityContext.capabilities.add[1]": "write NET_BIND_SERVICE exactly as allowed: capability names are matched exactly, in capitals and without CAP_",
		"containers[0].securityContext.capabilities.add[2]": "write NET_BIND_SERVICE exactly as allowed: capability names are matched exactly, in capitals and without CAP_",
	}
}

test_deny_cap_prefix_is_another_name_even_in_the_baseline_set if {
	caps := {"add": ["CAP_SETPCAP"]}
	found := security_capabilities.violation with input as fixtures.pod(with_caps(caps))
		with data.podpolicy.config.rules["security-capabilities"].allowedAdd as ["SETPCAP"]
		with data.podpolicy.config.rules["security-capabilities"].requireDropAll as false
	{v.path | some v in found} == {"containers[0].securityContext.capabilities.add[0]"}
}

test_allow_no_drop_required_at_the_baseline_level if {
	caps := {"add": ["CHOWN"]}
	found := security_capabilities.violation with input as fixtures.pod(with_caps(caps))
		with data.podpolicy.config.rules["security-capabilities"].allowedAdd as ["CHOWN"]
		with data.podpolicy.config.rules["security-capabilities"].requireDropAll as false
	count(found) == 0
}

test_deny_added_capability_that_is_not_a_string if {
	found := security_capabilities.violation with input as fixtures.pod(with_caps({"drop": ["ALL"], "add": [7]}))
	{v.fix | some v in found} == {"remove 7 from capabilities.add (allowed: NET_BIND_SERVICE)"}
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
