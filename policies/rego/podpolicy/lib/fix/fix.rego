# METADATA
# title: Fix texts
# description: |
#   Shared parts of the fixes rules put in their violations. A node agent (a log collector, a
#   CNI or CSI plugin, a node exporter) may truly need what a rule forbids; the way to allow it
#   is an exception in podpolicy's config, scoped to its namespace and carrying a reason, so
#   the fix of such a rule ends with the exception to add, filled in with the object's own
#   namespace and name (a workload's, which covers the Pods its controllers create; for an
#   object named by generateName, a pattern that matches every name the API server gives it,
#   before and after it gives one).
package podpolicy.lib.fix

# exception returns the config entry that waives rule for this object, e.g.
# `{rule: host-namespaces, namespaces: [monitoring], names: [node-exporter], reason: "..."}`.
exception(rule, reason) := sprintf("{rule: %s, namespaces: [%s]%s, reason: \"%s\"}", [rule, namespace, names, reason])

default namespace := "<namespace>"

namespace := input.namespace if input.namespace != ""

default names := ""

names := sprintf(", names: [%s*]", [input.generateName]) if {
	is_string(input.generateName)
	input.generateName != ""
} else := sprintf(", names: [%s]", [input.name]) if {
	is_string(input.name)
	input.name != ""
}

# node_agent returns the end of a fix for a rule a node agent may need to break: the exception
# to add to the config, with a reason.
node_agent(rule, needs) := sprintf("if this is a node agent that needs %s, add an exception with a reason to podpolicy's config (exceptions:): %s", [needs, exception(rule, concat("", ["<why it needs ", needs, ">"]))])
