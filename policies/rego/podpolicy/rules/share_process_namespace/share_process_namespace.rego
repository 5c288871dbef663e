# METADATA
# title: Shared process namespace
# description: |
#   By default the containers of a Pod do not see each other's processes. shareProcessNamespace
#   lets every container see, and signal, the others' processes and read their filesystems
#   through /proc. Reported as a warning by default.
# custom:
#   id: share-process-namespace
#   severity: low
#   remediation: remove shareProcessNamespace unless a container must see the others' processes
package podpolicy.rules.share_process_namespace

import data.podpolicy.lib.pod

# violation reports a pod that shares one process namespace between its containers.
violation contains {"path": "shareProcessNamespace", "message": "shareProcessNamespace is true"} if {
	pod.spec.shareProcessNamespace == true
}
