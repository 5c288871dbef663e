package podpolicy.rules.inject_labels_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.inject_labels

pod_with_labels(labels) := {"kind": "Pod", "operation": "CREATE", "namespaceLabels": {"team": "payments", "kubernetes.io/metadata.name": "shop"}, "pod": {"metadata": {"name": "web", "labels": labels}, "spec": fixtures.spec}}

test_allow_adds_configured_and_namespace_labels if {
	ops := inject_labels.patch with input as pod_with_labels({"app": "web"})
		with data.podpolicy.config.mutation.labels as {"example.com/managed-by": "podpolicy"}
		with data.podpolicy.config.mutation.namespaceLabels as ["team"]
	ops == {
		{"op": "add", "path": "/metadata/labels/example.com~1managed-by", "value": "podpolicy"},
		{"op": "add", "path": "/metadata/labels/team", "value": "payments"},
	}
}

test_allow_never_overwrites_existing_label if {
	ops := inject_labels.patch with input as pod_with_labels({"team": "search"})
		with data.podpolicy.config.mutation.namespaceLabels as ["team"]
	count(ops) == 0
}

test_allow_creates_labels_map_when_missing if {
	bare := {"kind": "Pod", "operation": "CREATE", "pod": {"metadata": {"name": "web"}, "spec": fixtures.spec}}
	ops := inject_labels.patch with input as bare with data.podpolicy.config.mutation.labels as {"tier": "web"}
	ops == {{"op": "add", "path": "/metadata/labels", "value": {"tier": "web"}}}
}

test_allow_namespace_value_wins_over_configured_value if {
	ops := inject_labels.patch with input as pod_with_labels({})
		with data.podpolicy.config.mutation.labels as {"team": "unknown"}
		with data.podpolicy.config.mutation.namespaceLabels as ["team"]
	ops == {{"op": "add", "path": "/metadata/labels/team", "value": "payments"}}
}

test_allow_absent_namespace_label_is_skipped if {
	ops := inject_labels.patch with input as pod_with_labels({})
		with data.podpolicy.config.mutation.namespaceLabels as ["cost-center"]
	count(ops) == 0
}

test_allow_default_config_adds_nothing if {
	count(inject_labels.patch) == 0 with input as pod_with_labels({})
}

test_allow_namespace_label_not_copied_leaves_configured_label if {
	ops := inject_labels.patch with input as pod_with_labels({})
		with data.podpolicy.config.mutation.labels as {"team": "platform", "owner": "sre"}
		with data.podpolicy.config.mutation.namespaceLabels as []
	ops == {
		{"op": "add", "path": "/metadata/labels/owner", "value": "sre"},
		{"op": "add", "path": "/metadata/labels/team", "value": "platform"},
	}
}
