package podpolicy.rules.undeclared_test

import data.podpolicy.rules.undeclared

test_allow_an_empty_pod if {
	count(undeclared.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
		with data.podpolicy.config.rules.undeclared.minContainrs as 0 # want: undeclared-setting
}
