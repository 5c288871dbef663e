# METADATA
# title: Pod views
# description: |
#   Shared views of the normalised input that every rule reads. The input is built by the
#   Go engine: input.kind and input.operation of the object the user applied, and input.pod,
#   the Pod itself or the pod template of a workload, with Kubernetes defaulting applied.
#   Every path produced here is relative to the pod spec; the engine prefixes it with the
#   location of the pod spec in the object the user wrote.
package podpolicy.lib.pod

# spec is the pod spec under evaluation.
spec := object.get(input, ["pod", "spec"], {})

# containers holds every container of the pod (containers, initContainers and
# ephemeralContainers) with its list field, index and path.
containers contains entry if {
	some field in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in spec[field]
	entry := {"container": c, "field": field, "index": i, "path": sprintf("%s[%d]", [field, i])}
}

# app_containers are the containers of spec.containers.
app_containers contains entry if {
	some entry in containers
	entry.field == "containers"
}

# resourced_containers are the containers that take resources: containers and initContainers
# (ephemeral containers cannot set resources).
resourced_containers contains entry if {
	some entry in containers
	entry.field != "ephemeralContainers"
}

# concurrent_containers run at the same time and so share the pod's network namespace:
# the app containers and the init containers with restartPolicy Always (sidecars).
# Ordinary init containers run one at a time before them.
concurrent_containers contains entry if {
	some entry in containers
	entry.field == "containers"
}

concurrent_containers contains entry if {
	some entry in containers
	entry.field == "initContainers"
	entry.container.restartPolicy == "Always"
}

# security_context returns the securityContext of a container, or {} when it has none.
security_context(c) := object.get(c, "securityContext", {})

# pod_security_context is the pod-level securityContext, or {}.
pod_security_context := object.get(spec, "securityContext", {})

# effective returns a securityContext field as it applies to a container: the container's own
# setting wins over the pod's, as in the kubelet.
effective(c, field) := value if {
	value := security_context(c)[field]
} else := pod_security_context[field]

# long_running is true when the pod is expected to run until stopped: not the pod of a Job or
# CronJob, and restartPolicy Always (the default).
long_running if {
	not input.kind in {"Job", "CronJob"}
	object.get(spec, "restartPolicy", "Always") == "Always"
}
