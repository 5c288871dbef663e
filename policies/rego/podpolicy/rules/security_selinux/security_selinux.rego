# METADATA
# title: SELinux options restricted
# description: |
#   An SELinux type other than the container types lets a container escape the confinement the
#   runtime gives it, and a custom SELinux user or role is never needed by an application.
#   Judged as Pod Security Admission (baseline, 1.31+) judges: seLinuxOptions set on the pod or
#   any container (ephemeral ones included) must have a type in `allowedTypes` (default "",
#   container_t, container_init_t, container_kvm_t, container_engine_t) and must not set `user`
#   or `role`. Types are compared exactly, whatever characters they hold. A pod-level value is
#   reported at the pod level, since containers that set none, and ephemeral containers added
#   later, inherit it.
# custom:
#   id: security-selinux
#   severity: high
#   remediation: remove seLinuxOptions, or keep only a type from the allowed set (and level)
package podpolicy.rules.security_selinux

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["security-selinux"]

allowed_text := concat(", ", [describe(type) | some type in settings.allowedTypes])

# violation reports a pod-level SELinux type outside the allowed set.
violation contains {
	"path": "securityContext.seLinuxOptions.type",
	"message": sprintf("the pod's seLinuxOptions.type is %s; containers that do not set one, and ephemeral containers added later, inherit it", [describe(type)]),
	"fix": sprintf("set the pod's securityContext.seLinuxOptions.type to one of %s, or remove it", [allowed_text]),
} if {
	type := option_type(pod.spec.securityContext.seLinuxOptions)
	not type in settings.allowedTypes
}

# violation reports a pod-level SELinux user or role.
violation contains {
	"path": concat("", ["securityContext.seLinuxOptions.", option]),
	"message": sprintf("the pod's seLinuxOptions.%s is set (%s); containers that do not set one, and ephemeral containers added later, inherit it", [option, describe(value)]),
	"fix": sprintf("remove securityContext.seLinuxOptions.%s from the pod", [option]),
} if {
	some option in ["user", "role"]
	value := pod.spec.securityContext.seLinuxOptions[option]
	value != ""
}

# violation reports a container SELinux type outside the allowed set.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.seLinuxOptions.type"]),
	"message": sprintf("seLinuxOptions.type is %s", [describe(type)]),
	"fix": sprintf("set securityContext.seLinuxOptions.type to one of %s, or remove it", [allowed_text]),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	type := option_type(c.securityContext.seLinuxOptions)
	not type in settings.allowedTypes
}

# violation reports a container SELinux user or role.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.seLinuxOptions.", option]),
	"message": sprintf("seLinuxOptions.%s is set (%s)", [option, describe(value)]),
	"fix": sprintf("remove securityContext.seLinuxOptions.%s", [option]),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	options := c.securityContext.seLinuxOptions
	some option in ["user", "role"]
	value := options[option]
	value != ""
}

# option_type is the type of a set of seLinuxOptions; "" when it names none. Only the
# seLinuxOptions object itself is passed, which is small.
option_type(options) := type if {
	type := options.type
} else := ""

describe("") := `"" (unset)`

describe(value) := sprintf("%q", [value]) if {
	is_string(value)
	value != ""
}

describe(value) := sprintf("%v (not a string)", [value]) if not is_string(value)
