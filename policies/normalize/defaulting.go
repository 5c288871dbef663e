package normalize

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/podpolicy/podpolicy/policies/astjson"
)

// Default values, shared by every object they are written into; terms are never changed.
var (
	restartAlways = ast.StringTerm("Always")
	protocolTCP   = ast.StringTerm("TCP")
)

// ContainerFields are the pod spec's container lists, in the order the rules report them.
var ContainerFields = []string{"containers", "initContainers", "ephemeralContainers"}

// objectLists are the lists of objects the rules iterate over below a container or the pod
// spec; an element of another type is reported rather than silently skipped.
var (
	specObjectLists  = []string{"volumes"}
	containerObjects = []string{"resources", "securityContext", "livenessProbe", "readinessProbe", "startupProbe"}
)

// applyDefaults applies, in place, the Kubernetes defaulting the rules depend on, so that a
// manifest gets the verdict the API server's stored object will get: restartPolicy Always
// (except for Jobs and CronJobs, whose templates must set it), port protocol TCP, and requests
// defaulted from limits. (Null fields were dropped when the object was decoded.) It also checks
// that the fields the rules walk have the right shape, naming the path of any that does not.
func applyDefaults(kind string, spec ast.Object, specPath string) error {
	if Value(spec, "restartPolicy") == nil && kind != "Job" && kind != "CronJob" {
		spec.Insert(astjson.Key("restartPolicy"), restartAlways)
	}
	for _, field := range specObjectLists {
		if _, err := objectList(spec, specPath, field); err != nil {
			return err
		}
	}
	if sc := Value(spec, "securityContext"); sc != nil {
		if _, isObject := sc.(ast.Object); !isObject {
			return fieldError(specPath+".securityContext", "expected an object, got %s", astjson.TypeName(sc))
		}
	}
	for _, field := range ContainerFields {
		containers, err := objectList(spec, specPath, field)
		if err != nil {
			return err
		}
		for i, c := range containers {
			if err := defaultContainer(c, containerPath{specPath, field, i}); err != nil {
				return err
			}
		}
	}
	return nil
}

// containerPath names a container in errors; the name is only built for an error, as a
// request with no error would otherwise pay for it on every container.
type containerPath struct {
	specPath, list string
	index          int
}

func (p containerPath) String() string {
	return fmt.Sprintf("%s.%s[%d]", p.specPath, p.list, p.index)
}

// defaultContainer checks the shape of the container fields the rules read and applies the
// container-level defaults.
func defaultContainer(c ast.Object, path containerPath) error {
	for _, field := range containerObjects {
		if v := Value(c, field); v != nil {
			if _, isObject := v.(ast.Object); !isObject {
				return fieldError(path.String()+"."+field, "expected an object, got %s", astjson.TypeName(v))
			}
		}
	}
	ports, err := objectList(c, path, "ports")
	if err != nil {
		return err
	}
	for _, p := range ports {
		if Value(p, "protocol") == nil {
			p.Insert(astjson.Key("protocol"), protocolTCP)
		}
	}
	resources, ok := Value(c, "resources").(ast.Object)
	if !ok {
		return nil
	}
	limits, err := optionalObject(resources, path, "limits")
	if err != nil || limits == nil {
		return err
	}
	requests, err := optionalObject(resources, path, "requests")
	if err != nil {
		return err
	}
	// The API server defaults each missing request to its limit.
	limits.Foreach(func(name, quantity *ast.Term) {
		if requests == nil {
			requests = ast.NewObject()
			resources.Insert(astjson.Key("requests"), ast.NewTerm(requests))
		}
		if requests.Get(name) == nil {
			requests.Insert(name, quantity)
		}
	})
	return nil
}

// objectList returns obj[key] as a list of objects; nil when missing. Errors name the list
// as parent.key.
func objectList[P string | containerPath](obj ast.Object, parent P, key string) ([]ast.Object, error) {
	v := Value(obj, key)
	if v == nil {
		return nil, nil
	}
	path := func() string { return fmt.Sprint(parent) + "." + key }
	list, isList := v.(*ast.Array)
	if !isList {
		return nil, fieldError(path(), "expected a list, got %s", astjson.TypeName(v))
	}
	out := make([]ast.Object, list.Len())
	for i := range list.Len() {
		item, isObject := list.Elem(i).Value.(ast.Object)
		if !isObject {
			return nil, fieldError(fmt.Sprintf("%s[%d]", path(), i), "expected an object, got %s", astjson.TypeName(list.Elem(i).Value))
		}
		out[i] = item
	}
	return out, nil
}

// optionalObject returns resources[key] of a container as an object; nil when missing.
func optionalObject(resources ast.Object, container containerPath, key string) (ast.Object, error) {
	v := Value(resources, key)
	if v == nil {
		return nil, nil
	}
	o, isObject := v.(ast.Object)
	if !isObject {
		return nil, fieldError(container.String()+".resources."+key, "expected an object, got %s", astjson.TypeName(v))
	}
	return o, nil
}
