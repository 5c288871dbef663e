# METADATA
# title: Default container annotation
# description: |
#   kubectl exec, logs and attach pick the container named by the
#   kubectl.kubernetes.io/default-container annotation, else the first container. A Pod with two
#   or more containers and no such annotation gets one naming its first container that is not a
#   known sidecar (`mutation.defaultContainer.sidecars`), so an injected proxy listed first is
#   never the default.
# custom:
#   id: default-container-annotation
#   severity: info
#   remediation: nothing to fix; podpolicy adds the annotation itself
package podpolicy.rules.default_container_annotation

import data.podpolicy.config
import data.podpolicy.lib.patch as json_patch
import data.podpolicy.lib.pod

annotation := "kubectl.kubernetes.io/default-container"

settings := config.mutation.defaultContainer

# annotations are the Pod's annotations; null when it has none.
default annotations := null

annotations := input.pod.metadata.annotations

candidates := [c.name | some c in pod.spec.containers; not c.name in settings.sidecars]

# patch adds the annotation, naming the first container that is not a sidecar.
patch contains op if {
	settings.enabled
	pod.spec.containers[1]
	not annotation in json_patch.keys(annotations)
	count(candidates) > 0
	some op in json_patch.add_entries(annotations, "annotations", {annotation: candidates[0]})
}
