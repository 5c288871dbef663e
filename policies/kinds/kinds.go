// Package kinds is the table of the kinds podpolicy judges: Pods, and the kinds that make Pods
// from a pod template, with where the template sits and how their controllers chain ownership.
// Everything that needs to know a kind reads it here: the normaliser (where the pod spec is),
// owner resolution (which owner references to follow), the audit (what to list, in which
// order), the test harness's webhook rules, and, through a test, the chart's.
package kinds

import (
	"slices"
	"strings"
)

// Kind is one kind podpolicy judges.
type Kind struct {
	// Group and Version are the API group ("" for the core group) and the version the API
	// server serves the kind at.
	Group, Version string
	// Kind is the kind's name, Resource its plural in the API.
	Kind, Resource string
	// Template is the dotted path of the kind's pod template (metadata and spec of the Pods
	// its controller creates); "" for a Pod, which is its own.
	Template string
	// Controller is the service account, in kube-system, that the controller of this kind
	// creates the objects it owns as (a Deployment's ReplicaSets, a ReplicaSet's Pods); only
	// such an object's owner references say how it came to be. "" for a Pod, which owns
	// nothing.
	Controller string
	// OwnedBy are the kinds whose controllers create objects of this kind (a Deployment makes
	// ReplicaSets, a CronJob Jobs); a chain of owners follows them up.
	OwnedBy []string
}

// APIVersion is the kind's apiVersion: group/version, or the version of the core group.
func (k *Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// TemplatePath is the path of the pod template as keys; nil for a Pod.
func (k *Kind) TemplatePath() []string {
	if k.Template == "" {
		return nil
	}
	return strings.Split(k.Template, ".")
}

// Builtin are Kubernetes' own kinds that make Pods, and Pods.
var Builtin = []Kind{
	{Group: "", Version: "v1", Kind: "Pod", Resource: "pods"},
	{Group: "", Version: "v1", Kind: "ReplicationController", Resource: "replicationcontrollers", Template: "spec.template", Controller: "replication-controller"},
	{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Template: "spec.template", Controller: "deployment-controller"},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet", Resource: "replicasets", Template: "spec.template", Controller: "replicaset-controller", OwnedBy: []string{"Deployment"}},
	{Group: "apps", Version: "v1", Kind: "StatefulSet", Resource: "statefulsets", Template: "spec.template", Controller: "statefulset-controller"},
	{Group: "apps", Version: "v1", Kind: "DaemonSet", Resource: "daemonsets", Template: "spec.template", Controller: "daemon-set-controller"},
	{Group: "batch", Version: "v1", Kind: "Job", Resource: "jobs", Template: "spec.template", Controller: "job-controller", OwnedBy: []string{"CronJob"}},
	{Group: "batch", Version: "v1", Kind: "CronJob", Resource: "cronjobs", Template: "spec.jobTemplate.spec.template", Controller: "cronjob-controller"},
}

// Lookup returns the kind of this name; nil when podpolicy does not judge it.
func Lookup(kind string) *Kind {
	for i := range Builtin {
		if Builtin[i].Kind == kind {
			return &Builtin[i]
		}
	}
	return nil
}

// Names are the names of every kind.
func Names() []string {
	names := make([]string, len(Builtin))
	for i := range Builtin {
		names[i] = Builtin[i].Kind
	}
	return names
}

// Workloads are the kinds with a pod template, each after the kinds that own it (a Deployment
// before its ReplicaSets, a CronJob before its Jobs): the order in which to meet owners first.
func Workloads() []Kind {
	var out []Kind
	placed := map[string]bool{}
	for len(out) < len(Builtin)-1 {
		for _, k := range Builtin {
			if k.Template == "" || placed[k.Kind] || slices.ContainsFunc(k.OwnedBy, func(o string) bool { return !placed[o] }) {
				continue
			}
			out = append(out, k)
			placed[k.Kind] = true
		}
	}
	return out
}

// Controllers are the service accounts, in kube-system, of the controllers that create
// objects owned by another: of the kinds with a controller.
func Controllers() []string {
	var out []string
	for _, k := range Builtin {
		if k.Controller != "" {
			out = append(out, k.Controller)
		}
	}
	return out
}
