package podpolicy.main_test

import data.podpolicy.lib.fixtures
import data.podpolicy.main

# The tests look only at the built-in rules they use, so that they keep passing when a policy
# directory adds rules of its own.

builtin_violations(found) := {name | some name, _ in found; name in {"image_tag_pinned", "probes_required", "containers_required"}}

test_allow_compliant_pod_has_no_violations if {
	found := main.violations with input as fixtures.pod(fixtures.spec)
	count(builtin_violations(found)) == 0
}

test_deny_violations_are_grouped_by_rule_package if {
	s := fixtures.with_container(fixtures.spec, {"image": "nginx:latest"})
	found := main.violations with input as fixtures.pod(s)
	builtin_violations(found) == {"image_tag_pinned"}
	count(found.image_tag_pinned) == 1
}

test_allow_rule_turned_off_reports_nothing if {
	s := fixtures.with_container(fixtures.spec, {"image": "nginx:latest"})
	found := main.violations with input as fixtures.pod(s)
		with data.podpolicy.config.rules["image-tag-pinned"].action as "off"
	not found.image_tag_pinned
}

test_deny_mutations_only_for_pods_at_create if {
	found := main.mutations with input as fixtures.pod(fixtures.spec)
	found.default_container_annotation
	not main.mutations.default_container_annotation with input as fixtures.workload("Deployment", fixtures.spec)
	not main.mutations.default_container_annotation with input as object.union(fixtures.pod(fixtures.spec), {"operation": "UPDATE"})
}
