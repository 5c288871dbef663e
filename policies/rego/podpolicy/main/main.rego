# METADATA
# title: Entry point
# description: |
#   Gathers the violations and mutations of every rule package under data.podpolicy.rules in one
#   query, so the engine prepares a single query for the whole library. A package is a rule when
#   it defines `violation` (a set of {container, path, message, fix}) or `patch` (a set of JSON
#   Patch operations). Rules whose action is `off` in the config are left out.
package podpolicy.main

import data.podpolicy.config

# disabled holds the package names of the rules the config turns off.
disabled contains replace(id, "-", "_") if {
	some id, settings in config.rules
	settings.action == "off"
}

# violations maps a rule package name to the violations it found.
violations[name] := found if {
	some name
	found := data.podpolicy.rules[name].violation
	count(found) > 0
	not name in disabled
}

# mutations maps a rule package name to the JSON Patch operations it wants. Only Pods are
# mutated, and only when created: patching a workload's template would roll it out again.
mutations[name] := ops if {
	input.kind == "Pod"
	input.operation == "CREATE"
	some name
	ops := data.podpolicy.rules[name].patch
	count(ops) > 0
	not name in disabled
}
