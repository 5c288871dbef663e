package podpolicy.rules.bad_regexp_test

import data.podpolicy.rules.bad_regexp

test_allow_an_empty_pod if {
	count(bad_regexp.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
