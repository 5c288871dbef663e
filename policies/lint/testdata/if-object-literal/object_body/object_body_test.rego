package podpolicy.rules.object_body_test

import data.podpolicy.rules.object_body

test_allow_an_empty_pod if {
	count(object_body.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
