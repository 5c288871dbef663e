package podpolicy.rules.not_equals_test

import data.podpolicy.rules.not_equals

test_allow_an_empty_pod if {
	count(not_equals.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
