package podpolicy.rules.impossible_test

import data.podpolicy.rules.impossible

test_allow_a_pod_without_host_network if {
	not impossible.violation with input as {"pod": {"metadata": {}, "spec": {}}} # want: impossible-not
}
