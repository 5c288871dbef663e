package podpolicy.rules.runtime_env_test

import data.podpolicy.rules.runtime_env

test_allow_without_stage_label if {
	count(runtime_env.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
