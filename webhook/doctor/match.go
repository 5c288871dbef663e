package doctor

import (
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// request is a kind of admission request: a resource or subresource of a group and version,
// and the operations on it.
type request struct {
	group, version, resource, subresource string
	operations                            []admissionregistrationv1.OperationType
	// cluster is true for a cluster-scoped resource (a Namespace).
	cluster bool
	// what names the objects in messages: "CronJobs", "ephemeral containers added to Pods".
	what string
}

// path is the resource as rules write it: cronjobs, pods/ephemeralcontainers.
func (q request) path() string {
	if q.subresource == "" {
		return q.resource
	}
	return q.resource + "/" + q.subresource
}

// groupVersion is the apiVersion: batch/v1, or v1 for the core group.
func (q request) groupVersion() string {
	if q.group == "" {
		return q.version
	}
	return q.group + "/" + q.version
}

// ruleMatches reports whether the API server sends op on q to a webhook with rule r
// (k8s.io/apiserver's webhook rules matcher: "*" in groups, versions and operations, "*" or
// "resource/*" or "*/subresource" in resources, and the scope).
func ruleMatches(r admissionregistrationv1.RuleWithOperations, q request, op admissionregistrationv1.OperationType) bool {
	return (slices.Contains(r.Operations, admissionregistrationv1.OperationAll) || slices.Contains(r.Operations, op)) &&
		exactOrWildcard(r.APIGroups, q.group) && exactOrWildcard(r.APIVersions, q.version) &&
		resourceMatches(r.Resources, q) && scopeMatches(r.Scope, q)
}

func exactOrWildcard(items []string, want string) bool {
	return slices.Contains(items, "*") || slices.Contains(items, want)
}

func resourceMatches(resources []string, q request) bool {
	for _, r := range resources {
		res, sub, _ := strings.Cut(r, "/")
		if (res == "*" || res == q.resource) && (sub == "*" || sub == q.subresource) {
			return true
		}
	}
	return false
}

// scopeMatches: an unset scope and "*" match all; Namespaced matches namespaced resources
// only (a Namespace is cluster-scoped); Cluster matches cluster-scoped ones and Namespaces.
func scopeMatches(scope *admissionregistrationv1.ScopeType, q request) bool {
	if scope == nil || *scope == admissionregistrationv1.AllScopes {
		return true
	}
	switch *scope {
	case admissionregistrationv1.NamespacedScope:
		return !q.cluster
	case admissionregistrationv1.ClusterScope:
		return q.cluster
	}
	return false
}

// unmatched returns the operations of q that no rule matches, in q's order.
func unmatched(rules []admissionregistrationv1.RuleWithOperations, q request) []admissionregistrationv1.OperationType {
	var out []admissionregistrationv1.OperationType
	for _, op := range q.operations {
		if !slices.ContainsFunc(rules, func(r admissionregistrationv1.RuleWithOperations) bool { return ruleMatches(r, q, op) }) {
			out = append(out, op)
		}
	}
	return out
}

// operationList writes operations as "CREATE and UPDATE".
func operationList(ops []admissionregistrationv1.OperationType) string {
	s := make([]string, len(ops))
	for i, op := range ops {
		s[i] = string(op)
	}
	return strings.Join(s, " and ")
}

// ruleFor is the rule that matches q, as YAML in flow style, for a fix.
func ruleFor(q request, ops []admissionregistrationv1.OperationType) string {
	quoted := make([]string, len(ops))
	for i, op := range ops {
		quoted[i] = `"` + string(op) + `"`
	}
	scope := "Namespaced"
	if q.cluster {
		scope = "Cluster"
	}
	return `{apiGroups: ["` + q.group + `"], apiVersions: ["` + q.version + `"], resources: ["` + q.path() + `"], operations: [` +
		strings.Join(quoted, ", ") + `], scope: ` + scope + `}`
}
