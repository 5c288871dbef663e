package podpolicy.rules.ignored_test

import data.podpolicy.rules.ignored

test_allow_an_empty_pod if {
	count(ignored.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
