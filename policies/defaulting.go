package policies

import "fmt"

// containerFields are the pod spec's container lists.
var containerFields = []string{"containers", "initContainers", "ephemeralContainers"}

// objectLists are the lists of objects the rules iterate over below a container or the pod
// spec; an element of another type is reported rather than silently skipped.
var (
	containerObjectLists = []string{"ports"}
	specObjectLists      = []string{"volumes"}
	containerObjects     = []string{"resources", "securityContext", "livenessProbe", "readinessProbe", "startupProbe"}
)

// applyDefaults applies, in place, the Kubernetes defaulting the rules depend on, so that a
// manifest gets the verdict the API server's stored object will get: restartPolicy Always
// (except for Jobs and CronJobs, whose templates must set it), port protocol TCP, and requests
// defaulted from limits. Null fields are dropped, as the API server drops them. It also checks
// that the fields the rules walk have the right shape, naming the path of any that does not.
func applyDefaults(kind string, spec map[string]any, specPath string) error {
	dropNulls(spec)
	if _, ok := spec["restartPolicy"]; !ok && kind != "Job" && kind != "CronJob" {
		spec["restartPolicy"] = "Always"
	}
	for _, field := range specObjectLists {
		if _, err := objectList(spec, field, specPath+"."+field); err != nil {
			return err
		}
	}
	if sc, ok := spec["securityContext"]; ok {
		if _, isMap := sc.(map[string]any); !isMap {
			return fieldError(specPath+".securityContext", "expected an object, got %s", typeName(sc))
		}
	}
	for _, field := range containerFields {
		containers, err := objectList(spec, field, specPath+"."+field)
		if err != nil {
			return err
		}
		for i, c := range containers {
			if err := defaultContainer(c, fmt.Sprintf("%s.%s[%d]", specPath, field, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func defaultContainer(c map[string]any, path string) error {
	for _, field := range containerObjects {
		if v, ok := c[field]; ok {
			if _, isMap := v.(map[string]any); !isMap {
				return fieldError(path+"."+field, "expected an object, got %s", typeName(v))
			}
		}
	}
	for _, field := range containerObjectLists {
		if _, err := objectList(c, field, path+"."+field); err != nil {
			return err
		}
	}
	ports, _ := objectList(c, "ports", "")
	for _, p := range ports {
		if _, ok := p["protocol"]; !ok {
			p["protocol"] = "TCP"
		}
	}
	resources, ok := c["resources"].(map[string]any)
	if !ok {
		return nil
	}
	limits, err := optionalMap(resources, "limits", path+".resources.limits")
	if err != nil || limits == nil {
		return err
	}
	requests, err := optionalMap(resources, "requests", path+".resources.requests")
	if err != nil {
		return err
	}
	for name, quantity := range limits {
		if requests == nil {
			requests = map[string]any{}
			resources["requests"] = requests
		}
		if _, ok := requests[name]; !ok {
			requests[name] = quantity
		}
	}
	return nil
}

// objectList returns m[key] as a list of objects; nil when absent.
func objectList(m map[string]any, key, path string) ([]map[string]any, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, fieldError(path, "expected a list, got %s", typeName(v))
	}
	out := make([]map[string]any, len(list))
	for i, item := range list {
		obj, isMap := item.(map[string]any)
		if !isMap {
			return nil, fieldError(fmt.Sprintf("%s[%d]", path, i), "expected an object, got %s", typeName(item))
		}
		out[i] = obj
	}
	return out, nil
}

// optionalMap returns m[key] as an object; nil when absent.
func optionalMap(m map[string]any, key, path string) (map[string]any, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	obj, isMap := v.(map[string]any)
	if !isMap {
		return nil, fieldError(path, "expected an object, got %s", typeName(v))
	}
	return obj, nil
}

// dropNulls removes null members from every object below v, as decoding into the API types
// does.
func dropNulls(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if child == nil {
				delete(x, k)
				continue
			}
			dropNulls(child)
		}
	case []any:
		for _, child := range x {
			dropNulls(child)
		}
	}
}
