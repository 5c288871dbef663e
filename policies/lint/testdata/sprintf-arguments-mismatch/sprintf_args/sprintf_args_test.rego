package podpolicy.rules.sprintf_args_test

import data.podpolicy.rules.sprintf_args

test_allow_an_empty_pod if {
	count(sprintf_args.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
