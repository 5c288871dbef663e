package astjson

import (
	"reflect"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// knownKeys holds one shared term per field name of the Kubernetes objects podpolicy reads:
// object keys repeat in every request ("name", "image", "containerPort", ...), and a shared
// immutable term saves three allocations each time one is decoded.
var knownKeys = func() map[string]*ast.Term {
	keys := map[string]*ast.Term{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			field := t.Field(i)
			name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				keys[name] = ast.StringTerm(name)
			}
			walk(field.Type)
		}
	}
	for _, v := range []any{admissionv1.AdmissionReview{}, corev1.Pod{}, appsv1.Deployment{}, appsv1.StatefulSet{},
		appsv1.DaemonSet{}, appsv1.ReplicaSet{}, batchv1.Job{}, batchv1.CronJob{}, corev1.ReplicationController{}} {
		walk(reflect.TypeOf(v))
	}
	return keys
}()

// Key returns the term of an object key, shared when the key is a known field name: lookups
// such as obj.Get(astjson.Key("containers")) then allocate nothing.
func Key(name string) *ast.Term {
	if t, ok := knownKeys[name]; ok {
		return t
	}
	return ast.InternedTerm(name)
}

// keyTerm returns the term of an object key, shared when the key is a known field name.
func keyTerm(raw []byte) *ast.Term {
	if t, ok := knownKeys[string(raw)]; ok {
		return t
	}
	return ast.InternedTerm(string(raw))
}
