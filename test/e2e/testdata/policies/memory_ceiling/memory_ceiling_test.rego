package podpolicy.rules.memory_ceiling_test

import data.podpolicy.rules.memory_ceiling

test_deny_above_the_ceiling if {
	found := memory_ceiling.violation with input as {"pod": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"memory": "8Gi"}}}]}}}
	{v.path | some v in found} == {"containers[0].resources.limits.memory"}
}

test_allow_at_the_ceiling if {
	count(memory_ceiling.violation) == 0 with input as {"pod": {"spec": {"containers": [{"name": "a", "resources": {"limits": {"memory": "2Gi"}}}]}}}
}
