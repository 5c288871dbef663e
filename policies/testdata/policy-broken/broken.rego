package podpolicy.rules.broken

violation contains {"path": "x", "message": "y"} if {
	input.pod.spec.containers[_].name ==
}
