package podpolicy.lib.fix_test

import data.podpolicy.lib.fix

test_allow_exception_names_the_pods_namespace_and_name if {
	doc := {"kind": "Pod", "namespace": "monitoring", "pod": {"metadata": {"name": "node-exporter"}, "spec": {}}}
	fix.exception("host-namespaces", "scrapes the node") == "{rule: host-namespaces, namespaces: [monitoring], names: [node-exporter], reason: \"scrapes the node\"}" with input as doc
}

test_allow_exception_of_a_workload_names_its_namespace if {
	doc := {"kind": "DaemonSet", "namespace": "logging", "pod": {"metadata": {}, "spec": {}}}
	fix.exception("host-path-volumes", "reads /var/log") == "{rule: host-path-volumes, namespaces: [logging], reason: \"reads /var/log\"}" with input as doc
}

test_allow_exception_without_a_namespace_leaves_a_placeholder if {
	doc := {"kind": "Pod", "pod": {"metadata": {"generateName": "web-"}, "spec": {}}}
	fix.exception("host-ports", "r") == "{rule: host-ports, namespaces: [<namespace>], reason: \"r\"}" with input as doc
}

test_allow_node_agent_fix_asks_for_a_reason if {
	doc := {"kind": "DaemonSet", "namespace": "kube-monitoring", "pod": {"metadata": {}, "spec": {}}}
	fix.node_agent("host-namespaces", "hostPID") == "if this is a node agent that needs hostPID, add an exception with a reason to podpolicy's config (exceptions:): {rule: host-namespaces, namespaces: [kube-monitoring], reason: \"<why it needs hostPID>\"}" with input as doc
}
