# METADATA
# title: Pod views
# description: |
#   Shared views of the normalised input that every rule reads. The input is built by the
#   Go engine: input.kind and input.operation of the object the user applied,
#   input.runsToCompletion (its Pods run to completion, as a Job's do), and input.pod,
#   the Pod itself or the pod template of a workload, with Kubernetes defaulting applied
#   (input.pod.spec is always present). Every path produced here is relative to the pod spec;
#   the engine prefixes it with the location of the pod spec in the object the user wrote.
#
#   Performance: every admission request evaluates every rule. Rules iterate the input's own
#   container lists (`some f in pod.all; some i, c in pod.spec[f]`), read fields with plain
#   references, and pass only scalars (field name, index) to functions: OPA walks a builtin's
#   or function's arguments whole, so handing it a container costs as much as the container is
#   big.
package podpolicy.lib.pod

# spec is the pod spec under evaluation.
spec := input.pod.spec

# all lists the container fields of a pod spec: every container is spec[f][i] for f in all.
all := ["containers", "initContainers", "ephemeralContainers"]

# resourced lists the container fields whose containers take resources and probes (ephemeral
# containers can set neither).
resourced := ["containers", "initContainers"]

# path returns the field path of spec[f][i], relative to the pod spec.
path(f, i) := concat("", [f, "[", format_int(i, 10), "]"])

# concurrent reports whether spec[f][i] runs at the same time as the app containers, sharing
# the pod's network namespace: the app containers and the init containers with restartPolicy
# Always (sidecars). Ordinary init containers run one at a time before them.
concurrent(f, _) if f == "containers"

concurrent(f, i) if {
	f == "initContainers"
	spec[f][i].restartPolicy == "Always"
}

# effective returns a securityContext field as it applies to spec[f][i]: the container's own
# setting wins over the pod's, as in the kubelet; undefined when neither sets it.
effective(f, i, field) := value if {
	value := spec[f][i].securityContext[field]
} else := spec.securityContext[field]

# windows is true for a Pod that declares it runs on Windows (spec.os.name: windows). The API
# server forbids the Linux-only securityContext fields on such a Pod (pod and containers:
# seccompProfile, seLinuxOptions, appArmorProfile, runAsUser, runAsGroup; containers also
# capabilities, privileged, allowPrivilegeEscalation, readOnlyRootFilesystem, procMount), so a
# rule that requires one of them skips a Windows Pod, as Pod Security Admission does.
windows if spec.os.name == "windows"

# user_namespace is true for a Pod that runs in a user namespace of its own (hostUsers: false):
# UID 0 in its containers is an unprivileged UID on the node.
user_namespace if spec.hostUsers == false

# long_running is true when the pod is expected to run until stopped: not the pod of a kind
# that runs to completion (input.runsToCompletion: a Job, a CronJob, a PyTorchJob), and
# restartPolicy Always (the default).
long_running if {
	not input.runsToCompletion
	restart_policy == "Always"
}

# restart_policy is the pod's restartPolicy; Always when unset.
default restart_policy := "Always"

restart_policy := spec.restartPolicy
