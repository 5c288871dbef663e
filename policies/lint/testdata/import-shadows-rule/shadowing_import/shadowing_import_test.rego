package podpolicy.rules.shadowing_import_test

import data.podpolicy.rules.shadowing_import

test_allow_an_empty_pod if {
	count(shadowing_import.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
