package podpolicy.rules.privileged_anywhere_test

import data.podpolicy.rules.privileged_anywhere

test_deny_privileged_containers if {
	privileged_anywhere.violation == {
		{"path": "containers[0].securityContext.privileged", "message": "privileged is true"},
		{"path": "initContainers[1].securityContext.privileged", "message": "privileged is true"},
	} with input as {"pod": {"spec": {
		"containers": [{"name": "a", "securityContext": {"privileged": true}}],
		"initContainers": [{"name": "b"}, {"name": "c", "securityContext": {"privileged": true}}],
	}}}
}

test_allow_unprivileged if {
	count(privileged_anywhere.violation) == 0 with input as {"pod": {"spec": {"containers": [{"name": "a", "securityContext": {"privileged": false}}]}}}
}
