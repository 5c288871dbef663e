package podpolicy.rules.shadowing_var_test

import data.podpolicy.rules.shadowing_var

test_allow_an_empty_pod if {
	count(shadowing_var.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
