package normalize

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// The deprecated AppArmor annotations (k8s.io/kubernetes pkg/apis/core annotation_key_constants.go).
const (
	appArmorAnnotationPrefix  = "container.apparmor.security.beta.kubernetes.io/"
	appArmorUnconfined        = "unconfined"
	appArmorRuntimeDefault    = "runtime/default"
	appArmorLocalhostPrefix   = "localhost/"
	maxLocalhostProfileLength = 4095
)

// syncAppArmorAnnotations copies each container's deprecated AppArmor annotation into its
// securityContext.appArmorProfile, as the API server does when it stores a Pod
// (applyAppArmorVersionSkew, pkg/registry/core/pod/strategy.go of Kubernetes 1.37), so that a
// manifest, and a template whose controller's Pods get the copy, are judged as those Pods: only
// where the container has no profile field, for a valid annotation value, and unless the
// profile is the pod's own; never for a Windows Pod.
func syncAppArmorAnnotations(meta, spec ast.Object) {
	annotations, _ := Value(meta, "annotations").(ast.Object)
	if annotations == nil || windows(spec) {
		return
	}
	podSecurity, _ := Value(spec, "securityContext").(ast.Object)
	podProfile, _ := Value(podSecurity, "appArmorProfile").(ast.Object)
	for _, field := range ContainerFields {
		containers, _ := Value(spec, field).(*ast.Array)
		for i := range lengthOf(containers) {
			c, ok := containers.Elem(i).Value.(ast.Object)
			if !ok {
				continue
			}
			name, _ := Value(c, "name").(ast.String)
			annotation, ok := Value(annotations, appArmorAnnotationPrefix+string(name)).(ast.String)
			security, _ := Value(c, "securityContext").(ast.Object)
			if !ok || Value(security, "appArmorProfile") != nil {
				continue
			}
			profile := appArmorProfile(string(annotation))
			if profile == nil || podProfile != nil && profile.Compare(podProfile) == 0 {
				continue
			}
			if security == nil {
				security = ast.NewObject()
				c.Insert(astjson.Key("securityContext"), ast.NewTerm(security))
			}
			security.Insert(astjson.Key("appArmorProfile"), ast.NewTerm(profile))
		}
	}
}

// appArmorProfile is the field an annotation value stands for (ApparmorFieldForAnnotation),
// or nil for a value the API server does not copy (unknown, or a localhost profile it would
// not accept).
func appArmorProfile(annotation string) ast.Object {
	switch {
	case annotation == appArmorUnconfined:
		return ast.NewObject([2]*ast.Term{astjson.Key("type"), ast.StringTerm("Unconfined")})
	case annotation == appArmorRuntimeDefault:
		return ast.NewObject([2]*ast.Term{astjson.Key("type"), ast.StringTerm("RuntimeDefault")})
	case strings.HasPrefix(annotation, appArmorLocalhostPrefix):
		profile := strings.TrimPrefix(annotation, appArmorLocalhostPrefix)
		if profile == "" || strings.TrimSpace(profile) != profile || len(profile) > maxLocalhostProfileLength {
			return nil
		}
		return ast.NewObject([2]*ast.Term{astjson.Key("type"), ast.StringTerm("Localhost")}, [2]*ast.Term{astjson.Key("localhostProfile"), ast.StringTerm(profile)})
	}
	return nil
}

// windows reports whether a pod spec is a Windows Pod's (spec.os.name).
func windows(spec ast.Object) bool {
	os, _ := Value(spec, "os").(ast.Object)
	name, _ := Value(os, "name").(ast.String)
	return name == "windows"
}

// lengthOf is the length of a possibly nil array.
func lengthOf(a *ast.Array) int {
	if a == nil {
		return 0
	}
	return a.Len()
}
