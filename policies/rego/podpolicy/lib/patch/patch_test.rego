package podpolicy.lib.patch_test

import data.podpolicy.lib.patch

test_allow_escape_follows_rfc6901 if {
	patch.escape("kubectl.kubernetes.io/default-container") == "kubectl.kubernetes.io~1default-container"
	patch.escape("a~b/c") == "a~0b~1c"
}

test_allow_add_entries_creates_missing_map if {
	ops := patch.add_entries(null, "labels", {"team": "a"})
	ops == {{"op": "add", "path": "/metadata/labels", "value": {"team": "a"}}}
}

test_allow_add_entries_adds_keys_to_existing_map if {
	ops := patch.add_entries({"app": "web"}, "labels", {"team": "a", "example.com/tier": "b"})
	ops == {
		{"op": "add", "path": "/metadata/labels/team", "value": "a"},
		{"op": "add", "path": "/metadata/labels/example.com~1tier", "value": "b"},
	}
}

test_allow_keys_of_a_missing_map_are_none if {
	patch.keys(null) == set()
	patch.keys({"app": "web"}) == {"app"}
}
