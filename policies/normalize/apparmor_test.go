package normalize

import (
	"testing"
)

// TestAppArmorAnnotationsAreCopiedAsTheAPIServerCopies: a container's deprecated annotation
// becomes its appArmorProfile (the API server's applyAppArmorVersionSkew, for Pods, and so for
// the Pods of a template), unless the container has a profile, the value is one the API server
// does not copy, the profile is the pod's own, or the Pod runs Windows.
func TestAppArmorAnnotationsAreCopiedAsTheAPIServerCopies(t *testing.T) {
	const prefix = "container.apparmor.security.beta.kubernetes.io/"
	pod := func(annotations map[string]any, spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "annotations": annotations}, "spec": spec}
	}
	containers := func(cs ...map[string]any) []any {
		out := make([]any, len(cs))
		for i, c := range cs {
			out[i] = c
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		obj     map[string]any
		profile map[string]any // of the first container; nil for none
	}{
		{"unconfined", pod(map[string]any{prefix + "a": "unconfined"}, map[string]any{"containers": containers(map[string]any{"name": "a"})}), map[string]any{"type": "Unconfined"}},
		{"runtime default", pod(map[string]any{prefix + "a": "runtime/default"}, map[string]any{"containers": containers(map[string]any{"name": "a"})}), map[string]any{"type": "RuntimeDefault"}},
		{"localhost", pod(map[string]any{prefix + "a": "localhost/k8s-nginx"}, map[string]any{"containers": containers(map[string]any{"name": "a"})}), map[string]any{"type": "Localhost", "localhostProfile": "k8s-nginx"}},
		{"empty localhost", pod(map[string]any{prefix + "a": "localhost/"}, map[string]any{"containers": containers(map[string]any{"name": "a"})}), nil},
		{"padded localhost", pod(map[string]any{prefix + "a": "localhost/ x"}, map[string]any{"containers": containers(map[string]any{"name": "a"})}), nil},
		{"unknown value", pod(map[string]any{prefix + "a": "complain"}, map[string]any{"containers": containers(map[string]any{"name": "a"})}), nil},
		{"field set", pod(map[string]any{prefix + "a": "unconfined"}, map[string]any{"containers": containers(map[string]any{"name": "a", "securityContext": map[string]any{"appArmorProfile": map[string]any{"type": "RuntimeDefault"}}})}), map[string]any{"type": "RuntimeDefault"}},
		{"the pod's own", pod(map[string]any{prefix + "a": "runtime/default"}, map[string]any{"securityContext": map[string]any{"appArmorProfile": map[string]any{"type": "RuntimeDefault"}}, "containers": containers(map[string]any{"name": "a"})}), nil},
		{"windows", pod(map[string]any{prefix + "a": "unconfined"}, map[string]any{"os": map[string]any{"name": "windows"}, "containers": containers(map[string]any{"name": "a"})}), nil},
	} {
		in, err := newInput(t, tc.obj, "CREATE")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c := native(t, in.Pod)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
		sc, _ := c["securityContext"].(map[string]any)
		got, _ := sc["appArmorProfile"].(map[string]any)
		if !equalMaps(got, tc.profile) {
			t.Errorf("%s: appArmorProfile %v, want %v", tc.name, got, tc.profile)
		}
	}
}

func equalMaps(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
