package podpolicy.rules.gatekeeper_port_test

import data.podpolicy.rules.gatekeeper_port

test_allow_an_empty_review if {
	count(gatekeeper_port.violation) == 0 with input as {"review": {"object": {}}} # want: input-not-provided
}
