package podpolicy.rules.containers_required_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.containers_required

test_deny_missing_containers if {
	found := containers_required.violation with input as fixtures.pod(object.remove(fixtures.spec, ["containers"]))
	found == {{"path": "containers", "message": "the pod has no containers"}}
}

test_deny_empty_containers_in_workload_template if {
	s := object.union(fixtures.spec, {"containers": []})
	count(containers_required.violation) == 1 with input as fixtures.workload("Deployment", s)
}

test_allow_pod_with_containers if {
	count(containers_required.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
