package podpolicy.rules.no_metadata_test

import data.podpolicy.rules.no_metadata

test_allow_an_empty_pod if {
	count(no_metadata.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
