package podpolicy.lib.fix_test

import data.podpolicy.lib.fix

test_allow_exception_names_the_pods_namespace_and_name if {
	doc := {"kind": "Pod", "namespace": "monitoring", "name": "node-exporter", "pod": {"metadata": {"name": "node-exporter"}, "spec": {}}}
	fix.exception("host-namespaces", "scrapes the node") == "{rule: host-namespaces, namespaces: [monitoring], names: [node-exporter], reason: \"scrapes the node\"}" with input as doc
}

test_allow_exception_of_a_workload_names_the_workload if {
	doc := {"kind": "DaemonSet", "namespace": "logging", "name": "log-agent", "pod": {"metadata": {}, "spec": {}}}
	fix.exception("host-path-volumes", "reads /var/log") == "{rule: host-path-volumes, namespaces: [logging], names: [log-agent], reason: \"reads /var/log\"}" with input as doc
}

test_allow_exception_of_a_generated_name_matches_every_name_it_gets if {
	doc := {"kind": "Pod", "namespace": "monitoring", "generateName": "node-agent-", "pod": {"metadata": {"generateName": "node-agent-"}, "spec": {}}}
	fix.exception("host-ports", "r") == "{rule: host-ports, namespaces: [monitoring], names: [node-agent-*], reason: \"r\"}" with input as doc
}

test_allow_exception_without_a_namespace_or_name_leaves_a_placeholder if {
	doc := {"kind": "Pod", "pod": {"metadata": {}, "spec": {}}}
	fix.exception("host-ports", "r") == "{rule: host-ports, namespaces: [<namespace>], reason: \"r\"}" with input as doc
}

test_allow_node_agent_fix_asks_for_a_reason if {
	doc := {"kind": "DaemonSet", "namespace": "kube-monitoring", "name": "node-exporter", "pod": {"metadata": {}, "spec": {}}}
	fix.node_agent("host-namespaces", "hostPID") == "if this is a node agent that needs hostPID, add an exception with a reason to podpolicy's config (exceptions:): {rule: host-namespaces, namespaces: [kube-monitoring], names: [node-exporter], reason: \"<why it needs hostPID>\"}" with input as doc
}

test_allow_exception_of_a_generated_name_once_given_matches_every_name if {
	doc := {"kind": "Pod", "namespace": "monitoring", "name": "node-agent-x7k2p", "generateName": "node-agent-", "pod": {"metadata": {}, "spec": {}}}
	fix.exception("host-ports", "r") == "{rule: host-ports, namespaces: [monitoring], names: [node-agent-*], reason: \"r\"}" with input as doc
}
