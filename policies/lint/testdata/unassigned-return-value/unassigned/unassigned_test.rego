package podpolicy.rules.unassigned_test

import data.podpolicy.rules.unassigned

test_allow_an_empty_pod if {
	count(unassigned.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
