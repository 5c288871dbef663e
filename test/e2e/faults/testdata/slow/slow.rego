# METADATA
# title: Slow rule
# description: Takes far longer than any evaluation deadline.
# custom:
#   id: slow
#   severity: low
#   remediation: none
package podpolicy.rules.slow

violation contains {"path": "x", "message": "never reached"} if {
	count([x | some x in numbers.range(1, 100000000); x % 7 == 3]) < 0
}
