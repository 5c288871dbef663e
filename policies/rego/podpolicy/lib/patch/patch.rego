# METADATA
# title: JSON Patch helpers
# description: Builds JSON Patch operations for the mutation rules.
package podpolicy.lib.patch

# escape turns a map key into a JSON Pointer token (RFC 6901): "~" becomes "~0", "/" becomes "~1".
escape(key) := replace(replace(key, "~", "~0"), "/", "~1")

# add_entries returns the operations that add entries to the string map at metadata.<field> of the
# Pod: one operation that creates the map when the Pod has none, else one per entry.
add_entries(metadata, field, entries) := {{"op": "add", "path": concat("", ["/metadata/", field]), "value": entries}} if {
	not field in object.keys(metadata)
} else := {op |
	some key, value in entries
	op := {"op": "add", "path": concat("", ["/metadata/", field, "/", escape(key)]), "value": value}
}
