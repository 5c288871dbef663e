package podpolicy.rules.root_path_test

import data.podpolicy.rules.root_path

test_allow_an_empty_pod if {
	count(root_path.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
