# METADATA
# title: Manifest adapter for conftest
# description: |
#   Lets conftest judge manifests with podpolicy's own Rego library, as the check phase's
#   baseline: each document conftest reads is handed to the AdmissionReview adapter of the
#   OPA-server phase (test/bench/opa/adapter.rego) as the object of a CREATE, so that both
#   tools run the same normalisation and rules. One failure per denied object, naming it, so
#   that conftest's failure count is the number of denied objects.
package main

import data.podpolicy.adapter

kinds := object.keys(adapter.template_paths)

namespace := object.get(input, ["metadata", "namespace"], "default")

review := {"request": {"uid": "", "operation": "CREATE", "namespace": namespace, "object": input}}

deny contains msg if {
	input.kind in kinds
	lines := adapter.lines with input as review
	count(lines) > 0
	msg := sprintf("%s %s/%s: %s", [input.kind, namespace, input.metadata.name, concat("; ", sort(lines))])
}
