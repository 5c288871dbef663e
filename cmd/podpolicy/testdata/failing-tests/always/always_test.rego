package podpolicy.rules.always_test

test_deny_fails_on_purpose if {
	1 == 2
}
