package podpolicy.rules.duplicate_test

import data.podpolicy.rules.duplicate

test_allow_an_empty_pod if {
	count(duplicate.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
