package podpolicy.rules.volume_types_test

import data.podpolicy.lib.fixtures
import data.podpolicy.rules.volume_types

with_volumes(vs) := object.union(fixtures.spec, {"volumes": vs})

allowed_text := "configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret"

test_deny_network_volume if {
	s := with_volumes([{"name": "tmp", "emptyDir": {}}, {"name": "shared", "nfs": {"server": "10.0.0.2", "path": "/exports"}}])
	found := volume_types.violation with input as fixtures.workload("StatefulSet", s)
	found == {{
		"path": "volumes[1].nfs",
		"message": "volume \"shared\" is of type nfs, which is not allowed",
		"fix": sprintf("use a volume of an allowed type instead (%s): a persistentVolumeClaim for storage, a secret or configMap for configuration", [allowed_text]),
	}}
}

test_deny_every_restricted_type if {
	every type in ["gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "portworxVolume", "photonPersistentDisk", "scaleIO", "storageos"] {
		found := volume_types.violation with input as fixtures.pod(with_volumes([{"name": "v", type: {}}]))
		{v.path | some v in found} == {sprintf("volumes[0].%s", [type])}
	}
}

test_deny_type_the_rule_does_not_know if {
	found := volume_types.violation with input as fixtures.pod(with_volumes([{"name": "v", "futureVolume": {"x": 1}}]))
	{v.message | some v in found} == {"volume \"v\" is of type futureVolume, which is not allowed"}
}

test_allow_every_allowed_type if {
	vs := [
		{"name": "a", "configMap": {"name": "c"}},
		{"name": "b", "csi": {"driver": "d"}},
		{"name": "c", "downwardAPI": {"items": []}},
		{"name": "d", "emptyDir": {}},
		{"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
		{"name": "f", "image": {"reference": "registry.example.com/models/m:1"}},
		{"name": "g", "persistentVolumeClaim": {"claimName": "p"}},
		{"name": "h", "projected": {"sources": []}},
		{"name": "i", "secret": {"secretName": "s"}},
		{"name": "j"},
	]
	count(volume_types.violation) == 0 with input as fixtures.pod(with_volumes(vs))
}

test_allow_host_path_is_left_to_host_path_volumes if {
	count(volume_types.violation) == 0 with input as fixtures.pod(with_volumes([{"name": "logs", "hostPath": {"path": "/var/log"}}]))
}

test_deny_volume_without_a_source_when_empty_dir_is_not_allowed if {
	found := volume_types.violation with input as fixtures.pod(with_volumes([{"name": "scratch"}, {"name": "tmp", "emptyDir": {}}]))
		with data.podpolicy.config.rules["volume-types"].allowedTypes as ["secret"]
	{v.path: v.message | some v in found} == {
		"volumes[0]": "volume \"scratch\" names no source, so it is an emptyDir, which is not allowed",
		"volumes[1].emptyDir": "volume \"tmp\" is of type emptyDir, which is not allowed",
	}
}

test_allow_configured_type if {
	found := volume_types.violation with input as fixtures.pod(with_volumes([{"name": "shared", "nfs": {"server": "s", "path": "/"}}]))
		with data.podpolicy.config.rules["volume-types"].allowedTypes as ["nfs"]
	count(found) == 0
}

test_allow_compliant_pod if {
	count(volume_types.violation) == 0 with input as fixtures.pod(fixtures.spec)
}
