package podpolicy.rules.unused_output_test

import data.podpolicy.rules.unused_output

test_allow_an_empty_pod if {
	count(unused_output.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
