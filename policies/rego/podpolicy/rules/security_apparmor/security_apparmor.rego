# METADATA
# title: AppArmor profile
# description: |
#   An AppArmor profile confines what a container's processes may do; Unconfined removes the
#   confinement the runtime applies by default. Judged as Pod Security Admission (baseline)
#   judges: an appArmorProfile set on the pod or a container must have a type in
#   `allowedTypes` (default RuntimeDefault, Localhost), and a legacy annotation
#   container.apparmor.security.beta.kubernetes.io/<container> must be empty, runtime/default
#   or localhost/<profile> (an allowed type's annotation form). An annotation is judged even when
#   it names no container of the Pod. A pod-level profile is reported at the pod level, since
#   containers that set none, and ephemeral containers added later, inherit it.
# custom:
#   id: security-apparmor
#   severity: high
#   remediation: set securityContext.appArmorProfile.type to RuntimeDefault or Localhost, or leave it unset
package podpolicy.rules.security_apparmor

import data.podpolicy.config
import data.podpolicy.lib.pod

settings := config.rules["security-apparmor"]

allowed_text := concat(" or ", settings.allowedTypes)

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# violation reports a pod-level profile whose type is not allowed.
violation contains {
	"path": "securityContext.appArmorProfile.type",
	"message": sprintf("the pod's appArmorProfile.type is %s; containers that do not set one, and ephemeral containers added later, inherit it", [describe(type)]),
	"fix": sprintf("set the pod's securityContext.appArmorProfile.type to %s, or remove appArmorProfile", [allowed_text]),
} if {
	type := pod_type
	not type in settings.allowedTypes
}

# violation reports a container profile whose type is not allowed.
violation contains {
	"container": c.name,
	"path": concat("", [pod.path(f, i), ".securityContext.appArmorProfile.type"]),
	"message": sprintf("appArmorProfile.type is %s", [describe(type)]),
	"fix": sprintf("set securityContext.appArmorProfile.type to %s, or remove appArmorProfile", [allowed_text]),
} if {
	some f in pod.all
	some i, c in pod.spec[f]
	c.securityContext.appArmorProfile
	type := container_type(f, i)
	not type in settings.allowedTypes
}

# violation reports a legacy annotation of a container of the Pod whose value is not allowed.
violation contains {
	"container": name,
	"path": sprintf("metadata.annotations[%s]", [key]),
	"message": sprintf("annotation %s is %s, an AppArmor profile outside %s", [key, describe_value(value), allowed_text]),
	"fix": sprintf("remove the annotation and set securityContext.appArmorProfile.type of container %q to %s instead (the annotation is deprecated)", [name, allowed_text]),
} if {
	some key, value in input.pod.metadata.annotations
	startswith(key, annotation_prefix)
	not allowed_annotation(value)
	name := substring(key, count(annotation_prefix), -1)
	name in container_names
}

# violation reports a legacy annotation that names no container of the Pod and whose value is
# not allowed: it is judged all the same, as Pod Security Admission judges it.
violation contains {
	"path": sprintf("metadata.annotations[%s]", [key]),
	"message": sprintf("annotation %s is %s, an AppArmor profile outside %s, and names no container of this pod", [key, describe_value(value), allowed_text]),
	"fix": "remove the annotation (the API server refuses an AppArmor annotation for a container the pod does not have)",
} if {
	some key, value in input.pod.metadata.annotations
	startswith(key, annotation_prefix)
	not allowed_annotation(value)
	not substring(key, count(annotation_prefix), -1) in container_names
}

container_names contains c.name if {
	some f in pod.all
	some c in pod.spec[f]
}

# pod_type is the type of the pod-level profile ("" when the profile names none); undefined
# when the pod sets no profile.
pod_type := type if {
	type := pod.spec.securityContext.appArmorProfile.type
} else := "" if {
	pod.spec.securityContext.appArmorProfile
}

# container_type is the type of spec[f][i]'s own profile, as pod_type.
container_type(f, i) := type if {
	type := pod.spec[f][i].securityContext.appArmorProfile.type
} else := "" if {
	pod.spec[f][i].securityContext.appArmorProfile
}

# allowed_annotation reports whether a legacy annotation value is empty or the annotation form
# of an allowed type.
allowed_annotation("")

allowed_annotation("runtime/default") if "RuntimeDefault" in settings.allowedTypes

allowed_annotation("unconfined") if "Unconfined" in settings.allowedTypes

allowed_annotation(value) if {
	"Localhost" in settings.allowedTypes
	is_string(value)
	startswith(value, "localhost/")
}

describe("") := "not set"

describe(type) := type if type != ""

describe_value(value) := sprintf("%q", [value]) if is_string(value)

describe_value(value) := sprintf("%v (not a string)", [value]) if not is_string(value)
