# METADATA
# title: AdmissionReview adapter for a plain OPA server
# description: |
#   Lets `opa run --server` answer Kubernetes AdmissionReviews with podpolicy's own Rego
#   library, as the benchmarks' baseline: the obvious alternative to podpolicy is the same
#   policies in a plain OPA server. It does in Rego what podpolicy does in Go before
#   evaluating: pick the pod template out of a workload, apply the defaulting the rules
#   depend on, then build the AdmissionReview response from the violations.
package podpolicy.adapter

import data.podpolicy.main

request := input.request

obj := request.object

template_paths := {
	"Pod": [],
	"ReplicationController": ["spec", "template"],
	"Deployment": ["spec", "template"],
	"StatefulSet": ["spec", "template"],
	"DaemonSet": ["spec", "template"],
	"ReplicaSet": ["spec", "template"],
	"Job": ["spec", "template"],
	"CronJob": ["spec", "jobTemplate", "spec", "template"],
}

spec_prefix := {
	"Pod": "spec",
	"CronJob": "spec.jobTemplate.spec.template.spec",
}

holder := object.get(obj, template_paths[obj.kind], {})

raw_spec := object.get(holder, "spec", {})

defaulted_containers(list) := [c |
	some original in list
	c := object.union(original, {
		"ports": [object.union({"protocol": "TCP"}, p) | some p in object.get(original, "ports", [])],
		"resources": object.union(object.get(original, "resources", {}), {"requests": object.union(
			object.get(original, ["resources", "limits"], {}),
			object.get(original, ["resources", "requests"], {}),
		)}),
	})
]

spec := object.union(raw_spec, {
	"restartPolicy": object.get(raw_spec, "restartPolicy", default_restart_policy),
	"containers": defaulted_containers(object.get(raw_spec, "containers", [])),
	"initContainers": defaulted_containers(object.get(raw_spec, "initContainers", [])),
})

default_restart_policy := "Never" if obj.kind in {"Job", "CronJob"}

else := "Always"

normalised := {
	"kind": obj.kind,
	"operation": request.operation,
	"namespace": request.namespace,
	"pod": {"metadata": object.get(holder, "metadata", {}), "spec": spec},
	"namespaceLabels": {},
}

deny_config := {id | some id, settings in data.podpolicy.config.rules; object.get(settings, "action", "deny") == "deny"}

prefix := object.get(spec_prefix, obj.kind, "spec.template.spec")

lines contains sprintf("[%s] %s (%s.%s)", [replace(name, "_", "-"), v.message, prefix, v.path]) if {
	some name, found in main.violations with input as normalised
	replace(name, "_", "-") in deny_config
	some v in found
}

# response is the AdmissionReview the server answers with.
response := {
	"apiVersion": "admission.k8s.io/v1",
	"kind": "AdmissionReview",
	"response": {
		"uid": request.uid,
		"allowed": count(lines) == 0,
		"status": {"code": 403, "message": concat("\n", sort(lines))},
	},
}
