package podpolicy.rules.constant_test

import data.podpolicy.rules.constant

test_allow_an_empty_pod if {
	count(constant.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
