# METADATA
# title: Nothing privileged, anywhere
# description: |
#   Finds `privileged: true` at any depth of the pod spec, wherever a field puts it, by walking
#   the whole spec with the relation built-in walk.
# custom:
#   id: privileged-anywhere
#   severity: high
#   remediation: remove privileged true
package podpolicy.rules.privileged_anywhere

# violation reports every privileged: true below the pod spec.
violation contains {"path": field_path(path), "message": "privileged is true"} if {
	walk(input.pod.spec, [path, value])
	path[count(path) - 1] == "privileged"
	value == true
}

# field_path writes a walk path as a field path: containers[0].securityContext.privileged.
field_path(path) := concat("", [part |
	some i, segment in path
	part := path_part(i, segment)
])

path_part(0, segment) := segment if is_string(segment)

path_part(i, segment) := concat("", [".", segment]) if {
	i > 0
	is_string(segment)
}

path_part(_, segment) := sprintf("[%d]", [segment]) if is_number(segment)
