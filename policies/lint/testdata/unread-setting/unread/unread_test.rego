package podpolicy.rules.unread_test

import data.podpolicy.rules.unread

test_allow_an_empty_pod if {
	count(unread.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
