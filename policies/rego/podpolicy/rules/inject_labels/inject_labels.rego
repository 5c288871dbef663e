# METADATA
# title: Inject labels
# description: |
#   Adds the labels of `mutation.labels` to every new Pod, and copies the labels named in
#   `mutation.namespaceLabels` from the Pod's Namespace (the Namespace's value wins over a
#   configured one). A label the Pod already carries is never overwritten.
# custom:
#   id: inject-labels
#   severity: info
#   remediation: nothing to fix; podpolicy adds the labels itself
package podpolicy.rules.inject_labels

import data.podpolicy.config
import data.podpolicy.lib.patch as json_patch

# labels are the Pod's labels; null when it has none.
default labels := null

labels := input.pod.metadata.labels

default namespace_labels := {}

namespace_labels := input.namespaceLabels

# copied holds the labels named in mutation.namespaceLabels that the Namespace carries.
copied[key] := namespace_labels[key] if {
	some key in config.mutation.namespaceLabels
}

# wanted holds the labels the Pod should carry: the configured ones, except where a label
# copied from the Namespace has the same key and wins.
wanted[key] := value if {
	some key, value in config.mutation.labels
	not key in object.keys(copied)
}

wanted[key] := value if {
	some key, value in copied
}

missing[key] := value if {
	some key, value in wanted
	not key in json_patch.keys(labels)
}

# patch adds the missing labels.
patch contains op if {
	count(missing) > 0
	some op in json_patch.add_entries(labels, "labels", missing)
}
