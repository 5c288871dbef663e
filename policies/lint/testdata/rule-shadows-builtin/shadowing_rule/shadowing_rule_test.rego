package podpolicy.rules.shadowing_rule_test

import data.podpolicy.rules.shadowing_rule

test_allow_an_empty_pod if {
	count(shadowing_rule.violation) == 0 with input as {"pod": {"metadata": {}, "spec": {}}}
}
