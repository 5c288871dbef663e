package doctor

import (
	"context"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/podpolicy/podpolicy/policies/kinds"
)

var (
	createUpdate = []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	updateOnly   = []admissionregistrationv1.OperationType{admissionregistrationv1.Update}
)

// judged are the requests validate.podpolicy.io must receive: CREATE and UPDATE of Pods and
// Kubernetes' workloads, of every configured kind (the config's workloads over the shipped
// ones) at each version the cluster serves it (a kind the cluster does not have needs no
// rule), and UPDATE of the Pod subresources through which what runs changes.
func judged(table *kinds.Table, served func(group, resource string) []string) []request {
	var out []request
	for _, k := range kinds.Builtin {
		out = append(out, request{group: k.Group, version: k.Version, resource: k.Resource, operations: createUpdate, what: k.Kind + "s"})
	}
	for _, k := range table.Configured() {
		for _, version := range served(k.Group, k.Resource) {
			out = append(out, request{group: k.Group, version: version, resource: k.Resource, operations: createUpdate, what: k.Kind + "s"})
		}
	}
	return append(out,
		request{version: "v1", resource: "pods", subresource: "ephemeralcontainers", operations: updateOnly, what: "ephemeral containers added to Pods"},
		request{version: "v1", resource: "pods", subresource: "resize", operations: updateOnly, what: "resizes of running Pods' resources"},
	)
}

// checkRules: every request podpolicy judges is matched by a rule of validate.podpolicy.io;
// one that is not is admitted without podpolicy ever seeing it.
func checkRules(ctx context.Context, in *install) ([]Finding, error) {
	w, i := in.validatingWebhook(validateWebhook)
	if w == nil {
		return nil, nil
	}
	table, err := in.kinds(ctx)
	if err != nil {
		return nil, err
	}
	served, err := in.servedVersions()
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, q := range judged(table, served) {
		ops := unmatched(w.Rules, q)
		if len(ops) == 0 {
			continue
		}
		out = append(out, Finding{
			Severity: Critical, Object: in.validatingObject(), Field: fmt.Sprintf("webhooks[%d].rules", i),
			Message: fmt.Sprintf("%s: no rule matches %s of %s (%s), so %s are admitted unchecked (%s)",
				validateWebhook, operationList(ops), q.path(), q.groupVersion(), q.what, rulesOfGroup(w.Rules, q.group)),
			Fix: fmt.Sprintf("add the rule %s to webhooks[%d].rules (helm upgrade of the release renders the chart's rules again)", ruleFor(q, ops), i),
		})
	}
	return out, nil
}

// servedVersions returns, from the API server's discovery, the versions at which it serves a
// resource of a group.
func (in *install) servedVersions() (func(group, resource string) []string, error) {
	_, lists, err := in.client.Discovery().ServerGroupsAndResources()
	if err != nil && len(lists) == 0 {
		return nil, fmt.Errorf("discover the served resources: %w", err)
	}
	served := map[string][]string{}
	for _, list := range lists {
		group, version := kinds.GroupOf(list.GroupVersion), list.GroupVersion[strings.LastIndex(list.GroupVersion, "/")+1:]
		for _, r := range list.APIResources {
			served[group+"/"+r.Name] = append(served[group+"/"+r.Name], version)
		}
	}
	return func(group, resource string) []string { return served[group+"/"+resource] }, nil
}

// rulesOfGroup describes the rules that name the group (or every group), for a message: "its
// rules for batch: CREATE,UPDATE batch/v1 jobs".
func rulesOfGroup(rules []admissionregistrationv1.RuleWithOperations, group string) string {
	var parts []string
	for _, r := range rules {
		if !exactOrWildcard(r.APIGroups, group) {
			continue
		}
		ops := make([]string, len(r.Operations))
		for j, op := range r.Operations {
			ops[j] = string(op)
		}
		parts = append(parts, strings.Join(ops, ",")+" "+strings.Join(r.APIVersions, ",")+" "+strings.Join(r.Resources, ","))
	}
	name := group
	if group == "" {
		name = `the core group ""`
	}
	if len(parts) == 0 {
		return "it has no rule for " + name
	}
	return "its rules for " + name + ": " + strings.Join(parts, "; ")
}
