# METADATA
# title: Fixture
# description: A rule with the mistake the lint's check sprintf-arguments-mismatch finds, for its tests.
# custom:
#   id: sprintf-args
#   severity: low
#   remediation: fix the fixture
package podpolicy.rules.sprintf_args

violation contains {
	"path": "containers",
	"message": sprintf("container %q uses image %s", [c.name]), # want: sprintf-arguments-mismatch
} if {
	some c in input.pod.spec.containers
	endswith(c.image, ":latest")
}

violation contains {
	"path": "containers",
	"message": sprintf("%d%% of the containers, %[1]d of them", [n]), # one argument, used twice: no finding
} if {
	n := count(input.pod.spec.containers)
	n > 10
}
