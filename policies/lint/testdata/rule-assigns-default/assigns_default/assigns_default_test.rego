package podpolicy.rules.assigns_default_test

import data.podpolicy.rules.assigns_default

test_allow_an_empty_pod if {
	count(assigns_default.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
