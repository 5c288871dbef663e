package podpolicy.rules.bad_metadata_test

import data.podpolicy.rules.bad_metadata

test_allow_an_empty_pod if {
	count(bad_metadata.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
