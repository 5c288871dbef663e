package podpolicy.rules.share_process_namespace_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.share_process_namespace

test_deny_shared_process_namespace if {
	s := object.union(fixtures.spec, {"shareProcessNamespace": true})
	found := share_process_namespace.violation with input as fixtures.workload("Deployment", s)
	found == {{"path": "shareProcessNamespace", "message": "shareProcessNamespace is true"}}
}

test_allow_default if {
	count(share_process_namespace.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
