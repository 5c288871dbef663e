package podpolicy.rules.bare

violation contains {"path": "x", "message": "y"} if {
	input.kind == "Pod"
}
