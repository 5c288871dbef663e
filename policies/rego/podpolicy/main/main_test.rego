package podpolicy.main_test

import data.podpolicy.lib.fixtures
import data.podpolicy.main

test_allow_compliant_pod_has_no_violations if {
	count(main.violations) == 0 with input as fixtures.pod(fixtures.spec)
}

test_deny_violations_are_grouped_by_rule_package if {
	s := fixtures.with_container(fixtures.spec, {"image": "nginx:latest"})
	found := main.violations with input as fixtures.pod(s)
	object.keys(found) == {"image_tag_pinned"}
	count(found.image_tag_pinned) == 1
}

test_allow_rule_turned_off_reports_nothing if {
	s := fixtures.with_container(fixtures.spec, {"image": "nginx:latest"})
	found := main.violations with input as fixtures.pod(s)
		with data.podpolicy.config.rules["image-tag-pinned"].action as "off"
	count(found) == 0
}

test_deny_mutations_only_for_pods_at_create if {
	found := main.mutations with input as fixtures.pod(fixtures.spec)
	object.keys(found) == {"default_container_annotation"}
	count(main.mutations) == 0 with input as fixtures.workload("Deployment", fixtures.spec)
	count(main.mutations) == 0 with input as object.union(fixtures.pod(fixtures.spec), {"operation": "UPDATE"})
}
