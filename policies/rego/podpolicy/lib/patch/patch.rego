# METADATA
# title: JSON Patch helpers
# description: Builds JSON Patch operations for the mutation rules.
package podpolicy.lib.patch

# escape turns a map key into a JSON Pointer token (RFC 6901): "~" becomes "~0", "/" becomes "~1".
escape(key) := replace(replace(key, "~", "~0"), "/", "~1")

# add_entries returns the operations that add entries to the string map at metadata.<field> of the
# Pod, which holds current (keys(current) is empty when the Pod has no such map): one operation
# that creates the map when the Pod has none, else one per entry. It takes the map, not the
# Pod's metadata, so that a mutation reads no more of the Pod than it changes (the name of a
# Pod a controller creates differs from its siblings', and a verdict that never read it is
# shared between them).
add_entries(current, field, entries) := {{"op": "add", "path": concat("", ["/metadata/", field]), "value": entries}} if {
	current == null
} else := {op |
	some key, value in entries
	op := {"op": "add", "path": concat("", ["/metadata/", field, "/", escape(key)]), "value": value}
}

# keys are the keys of a map of the Pod's metadata that may be missing (null).
keys(current) := set() if {
	current == null
} else := object.keys(current)
