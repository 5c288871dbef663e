package podpolicy.rules.borrows_settings_test

import data.podpolicy.rules.borrows_settings

test_allow_an_empty_pod if {
	count(borrows_settings.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
