package podpolicy.rules.top_level_test

import data.podpolicy.rules.top_level

test_allow_an_empty_pod if {
	count(top_level.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
