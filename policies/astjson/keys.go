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
var knownKeys = indexKeys(func() map[string]*ast.Term {
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
}())

// keySlots is the size of the known keys' index, a power of two about twice the number
// of names, so that most slots hold at most one.
const keySlots = 1024

// keyIndex finds a known field name by a slot chosen from its length and three of its bytes,
// then a comparison or two: every key of every request is looked up, and hashing the whole
// name for a map cost more than the rest of reading it.
type keyIndex [keySlots][]*ast.Term

func indexKeys(keys map[string]*ast.Term) *keyIndex {
	var index keyIndex
	for name, term := range keys {
		slot := keySlot(name)
		index[slot] = append(index[slot], term)
	}
	return &index
}

func keySlot(name string) int {
	n := len(name)
	if n == 0 {
		return 0
	}
	h := uint32(n) | uint32(name[0])<<8 | uint32(name[n/2])<<16 | uint32(name[n-1])<<24
	return int((h * 0x9E3779B1) >> (32 - 10))
}

func (index *keyIndex) lookup(name string) *ast.Term {
	for _, t := range index[keySlot(name)] {
		if string(t.Value.(ast.String)) == name {
			return t
		}
	}
	return nil
}

// Key returns the term of an object key, shared when the key is a known field name: lookups
// such as obj.Get(astjson.Key("containers")) then allocate nothing.
func Key(name string) *ast.Term {
	if t := knownKeys.lookup(name); t != nil {
		return t
	}
	return ast.InternedTerm(name)
}
