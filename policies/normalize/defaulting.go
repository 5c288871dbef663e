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

// The fields the rules walk, lists of objects and objects, below the pod spec or a container:
// a field or element of another type is reported rather than silently skipped.
var (
	specObjectLists  = []string{"volumes"}
	specObjects      = []string{"securityContext", "resources"}
	containerObjects = []string{"resources", "securityContext", "livenessProbe", "readinessProbe", "startupProbe"}
)

// applyDefaults applies, in place, the Kubernetes defaulting the rules depend on, so that a
// manifest, and a workload's pod template, get the verdict that the Pods the API server stores
// will get (k8s.io/kubernetes pkg/apis/core/v1 SetDefaults_Pod; the API server applies most of
// it to Pods only, never to templates):
//   - restartPolicy Always (except for the Pods of kinds that run to completion: a Job's
//     template must set it, a PyTorchJob's replica spec sets it for its Pods);
//   - port protocol TCP;
//   - each missing request set to its limit, for containers and for the pod-level resources;
//   - under hostNetwork, each hostPort that is unset or 0 set to its containerPort.
//
// (Null fields were dropped when the object was decoded.) It also checks that the fields the
// rules walk, and those it defaults, have the right shape, naming the path of any that does not:
// an object podpolicy cannot default is an error, never judged as written.
func applyDefaults(runsToCompletion bool, spec ast.Object, specPath string) error {
	if Value(spec, "restartPolicy") == nil && !runsToCompletion {
		spec.Insert(astjson.Key("restartPolicy"), restartAlways)
	}
	for _, field := range specObjectLists {
		if _, err := objectList(spec, specPath, field); err != nil {
			return err
		}
	}
	for _, field := range specObjects {
		if v := Value(spec, field); v != nil {
			if _, isObject := v.(ast.Object); !isObject {
				return fieldError(specPath+"."+field, "expected an object, got %s", astjson.TypeName(v))
			}
		}
	}
	if resources, ok := Value(spec, "resources").(ast.Object); ok {
		if err := defaultRequests(resources, specPath+".resources"); err != nil {
			return err
		}
	}
	hostNetwork, err := optionalBool(spec, specPath, "hostNetwork")
	if err != nil {
		return err
	}
	for _, field := range ContainerFields {
		containers, err := objectList(spec, specPath, field)
		if err != nil {
			return err
		}
		// Ephemeral containers have no ports; the API server defaults the others'.
		hostPorts := hostNetwork && field != "ephemeralContainers"
		for i, c := range containers {
			if err := defaultContainer(c, containerPath{specPath, field, i}, hostPorts); err != nil {
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
// container-level defaults; hostPorts defaults each unset hostPort to its containerPort.
func defaultContainer(c ast.Object, path containerPath, hostPorts bool) error {
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
	for j, p := range ports {
		if Value(p, "protocol") == nil {
			p.Insert(astjson.Key("protocol"), protocolTCP)
		}
		if hostPorts {
			if err := defaultHostPort(p, path, j); err != nil {
				return err
			}
		}
	}
	resources, ok := Value(c, "resources").(ast.Object)
	if !ok {
		return nil
	}
	return defaultRequests(resources, path.String()+".resources")
}

// defaultHostPort sets the hostPort of a port of a host-network Pod to its containerPort
// when it is unset or 0, as the API server does.
func defaultHostPort(port ast.Object, container containerPath, index int) error {
	if hostPort := Value(port, "hostPort"); hostPort != nil && !isZero(hostPort) {
		return nil
	}
	containerPort, isNumber := Value(port, "containerPort").(ast.Number)
	if !isNumber {
		return fieldError(fmt.Sprintf("%s.ports[%d].containerPort", container, index),
			"expected a number, got %s: under hostNetwork the API server sets hostPort to it", astjson.TypeName(Value(port, "containerPort")))
	}
	port.Insert(astjson.Key("hostPort"), ast.NewTerm(containerPort))
	return nil
}

func isZero(v ast.Value) bool {
	n, ok := v.(ast.Number)
	if !ok {
		return false
	}
	i, ok := n.Int()
	return ok && i == 0
}

// optionalBool returns obj[key] as a boolean; false when missing.
func optionalBool(obj ast.Object, parent, key string) (bool, error) {
	switch v := Value(obj, key).(type) {
	case nil:
		return false, nil
	case ast.Boolean:
		return bool(v), nil
	default:
		return false, fieldError(parent+"."+key, "expected a boolean, got %s", astjson.TypeName(v))
	}
}

// defaultRequests defaults each missing request of resources (a container's or the pod's) to
// its limit, as the API server does; path names resources in errors.
func defaultRequests(resources ast.Object, path string) error {
	limits, err := optionalObject(resources, path, "limits")
	if err != nil || limits == nil {
		return err
	}
	requests, err := optionalObject(resources, path, "requests")
	if err != nil {
		return err
	}
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

// optionalObject returns resources[key] as an object; nil when missing. path names resources.
func optionalObject(resources ast.Object, path, key string) (ast.Object, error) {
	v := Value(resources, key)
	if v == nil {
		return nil, nil
	}
	o, isObject := v.(ast.Object)
	if !isObject {
		return nil, fieldError(path+"."+key, "expected an object, got %s", astjson.TypeName(v))
	}
	return o, nil
}
