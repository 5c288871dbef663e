package podpolicy.rules.odd_paths_test

import data.podpolicy.rules.odd_paths

test_allow_an_empty_pod if {
	count(odd_paths.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
