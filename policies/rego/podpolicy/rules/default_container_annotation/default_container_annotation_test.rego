package podpolicy.rules.default_container_annotation_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.default_container_annotation

pod_of(metadata, containers) := {"kind": "Pod", "operation": "CREATE", "pod": {"metadata": metadata, "spec": {"containers": containers}}}

proxy := {"name": "istio-proxy", "image": "istio/proxyv2:1.24.0"}

test_allow_annotates_first_container if {
	ops := default_container_annotation.patch with input as pod_of({"name": "web"}, [fixtures.container, fixtures.sidecar])
	ops == {{"op": "add", "path": "/metadata/annotations", "value": {"kubectl.kubernetes.io/default-container": "web"}}}
}

test_allow_skips_known_sidecar_listed_first if {
	ops := default_container_annotation.patch with input as pod_of({"name": "web", "annotations": {"a": "b"}}, [proxy, fixtures.container])
	ops == {{"op": "add", "path": "/metadata/annotations/kubectl.kubernetes.io~1default-container", "value": "web"}}
}

test_allow_existing_annotation_kept if {
	m := {"name": "web", "annotations": {"kubectl.kubernetes.io/default-container": "metrics"}}
	count(default_container_annotation.patch) == 0 with input as pod_of(m, [fixtures.container, fixtures.sidecar])
}

test_allow_single_container_pod_untouched if {
	count(default_container_annotation.patch) == 0 with input as pod_of({"name": "web"}, [fixtures.container])
}

test_allow_disabled_by_config if {
	count(default_container_annotation.patch) == 0 with input as pod_of({"name": "web"}, [fixtures.container, fixtures.sidecar])
		with data.podpolicy.config.mutation.defaultContainer.enabled as false
}

test_allow_only_sidecars_untouched if {
	count(default_container_annotation.patch) == 0 with input as pod_of({"name": "web"}, [proxy, object.union(proxy, {"name": "linkerd-proxy"})])
}
