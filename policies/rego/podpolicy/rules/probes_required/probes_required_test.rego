package podpolicy.rules.probes_required_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.probes_required

without_probes := object.union(fixtures.spec, {"containers": [
	object.remove(fixtures.container, ["livenessProbe", "readinessProbe"]),
	fixtures.sidecar,
]})

test_deny_long_running_pod_without_probes if {
	found := probes_required.violation with input as fixtures.pod(without_probes)
	{v.path | some v in found} == {"containers[0].livenessProbe", "containers[0].readinessProbe"}
}

test_deny_deployment_template_without_probes if {
	count(probes_required.violation) == 2 with input as fixtures.workload("Deployment", without_probes)
}

test_allow_job_and_cronjob_pods_are_exempt if {
	count(probes_required.violation) == 0 with input as fixtures.workload("Job", without_probes)
	count(probes_required.violation) == 0 with input as fixtures.workload("CronJob", without_probes)
}

test_allow_run_once_pods_are_exempt if {
	s := object.union(without_probes, {"restartPolicy": "OnFailure"})
	count(probes_required.violation) == 0 with input as fixtures.pod(s)
}

test_allow_init_containers_need_no_probes if {
	s := object.union(fixtures.spec, {"initContainers": [{"name": "migrate", "image": "busybox:1.37"}]})
	count(probes_required.violation) == 0 with input as fixtures.pod(s)
}

test_allow_compliant_pod if {
	count(probes_required.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
