package lint

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The Go types of what a rule reads and reports, from Kubernetes' own API: their JSON field
// names are the fields a Pod has.
var (
	podSpecType    = reflect.TypeFor[corev1.PodSpec]()
	objectMetaType = reflect.TypeFor[metav1.ObjectMeta]()
	containerType  = reflect.TypeFor[corev1.Container]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

// step is one step of a path through a Pod: a field, an index or key, or a step whose name is
// only known when the rule runs.
type step struct {
	field   string
	index   bool
	dynamic bool
}

// walkType follows steps from t and says what the first step t does not have is, with the
// fields it has instead; "" when every step is there, or when a dynamic step means the rest
// cannot be known. at is the path so far, for the message.
func walkType(t reflect.Type, steps []step, at string) string {
	for _, s := range steps {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case (s.index || s.dynamic) && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			t = t.Elem()
		case s.dynamic:
			return ""
		case s.index:
			return fmt.Sprintf("%s is %s, not a list", at, typeName(t))
		case t.Kind() == reflect.Slice:
			return fmt.Sprintf("%s is a list of %s: index it (%s[i].%s)", at, typeName(t.Elem()), at, s.field)
		case t.Kind() != reflect.Struct || t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
			return fmt.Sprintf("%s is %s, which has no field %s", at, typeName(t), s.field)
		default:
			fields := jsonFields(t)
			next, ok := fields[s.field]
			if !ok {
				return fmt.Sprintf("%s has no field %s%s", describeAt(at, t), s.field, suggest(s.field, fields))
			}
			t = next
		}
		at = joinStep(at, s)
	}
	return ""
}

func describeAt(at string, t reflect.Type) string {
	if at == "" {
		return "the " + typeName(t)
	}
	return fmt.Sprintf("%s (%s)", at, typeName(t))
}

func joinStep(at string, s step) string {
	switch {
	case s.index || s.dynamic:
		return at + "[i]"
	case at == "":
		return s.field
	}
	return at + "." + s.field
}

// typeName names a Kubernetes type as its API documentation does.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "a number"
	}
	return t.Name()
}

// jsonFields returns the fields of a struct by JSON name, embedded inline structs included.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case name == "" && (f.Anonymous || strings.Contains(opts, "inline")):
			for k, v := range jsonFields(f.Type) {
				fields[k] = v
			}
		case name != "":
			fields[name] = f.Type
		}
	}
	return fields
}

// suggest names the field of fields closest to name, when one is close.
func suggest(name string, fields map[string]reflect.Type) string {
	best, bestDistance := "", 3
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if strings.EqualFold(f, name) {
			return fmt.Sprintf(" (did you mean %s?)", f)
		}
		if d := levenshtein.ComputeDistance(strings.ToLower(f), strings.ToLower(name)); d < bestDistance {
			best, bestDistance = f, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}
