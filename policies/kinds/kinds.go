// Package kinds is the table of the kinds podpolicy judges: Pods, and the kinds that make Pods
// from pod templates, with where the templates sit and how their controllers chain ownership.
// Kubernetes' own kinds are built in; the kinds of custom controllers (an Argo Rollout, a
// RayCluster) come from the config's workloads section, over shipped defaults. Everything
// that needs to know a kind reads it here: the normaliser (where the pod templates are), owner
// resolution (which owner references to follow, and whose word to take for them), the audit
// (what to list, in which order), the test harness's webhook rules, and, through a test, the
// chart's.
package kinds

import (
	"slices"
	"strings"
)

// Kind is one kind podpolicy judges.
type Kind struct {
	// Group is the API group ("" for the core group).
	Group string
	// Version is the version the API server serves a built-in kind at. A configured kind has
	// none: every version of its group is judged (the template paths of the shipped kinds are
	// the same in every version their projects serve), and the audit lists it at the version
	// the API server prefers.
	Version string
	// Kind is the kind's name, Resource its plural in the API.
	Kind, Resource string
	// Templates are the paths of the kind's pod templates (metadata and spec of the Pods its
	// controllers create); none for a Pod, which is its own.
	Templates []Path
	// TemplateRef is the path of a reference to another object whose pod template this one
	// runs instead of one of its own (an Argo Rollout's spec.workloadRef); nil when it has none.
	TemplateRef Path
	// RunsToCompletion says the kind's Pods run to completion (a Job's, a PyTorchJob's): the
	// API server does not default their restartPolicy to Always, and they are not expected to
	// have liveness and readiness probes.
	RunsToCompletion bool
	// Controller is the service account, in kube-system, that the controller of a built-in
	// kind creates the objects it owns as (a Deployment's ReplicaSets, a ReplicaSet's Pods);
	// "" for a Pod, which owns nothing.
	Controller string
	// Controllers are the service accounts (namespace/name) the config trusts as the
	// controllers of a configured kind: only the owner references they write to objects of
	// this kind (an Argo Rollout's ReplicaSets, a CloneSet's Pods) say how an object came to
	// be. None unless the config names them.
	Controllers []string
	// OwnedBy are the built-in kinds whose controllers create objects of this kind (a
	// Deployment makes ReplicaSets, a CronJob Jobs); a chain of owners follows them up.
	OwnedBy []string
	// Configured is set for a kind of the config's workloads section.
	Configured bool
}

// APIVersion is the apiVersion of a built-in kind: group/version, or the version of the core
// group.
func (k *Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// Serves reports whether apiVersion is one the kind is judged at: a built-in kind's own, any
// version of a configured kind's group.
func (k *Kind) Serves(apiVersion string) bool {
	if k.Configured {
		return GroupOf(apiVersion) == k.Group && strings.Contains(apiVersion, "/")
	}
	return apiVersion == k.APIVersion()
}

// GroupOf is the API group of an apiVersion: "" for the core group (v1).
func GroupOf(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// Builtin are Kubernetes' own kinds that make Pods, and Pods.
var Builtin = []Kind{
	{Group: "", Version: "v1", Kind: "Pod", Resource: "pods"},
	{Group: "", Version: "v1", Kind: "ReplicationController", Resource: "replicationcontrollers", Templates: []Path{MustPath("spec.template")}, Controller: "replication-controller"},
	{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Templates: []Path{MustPath("spec.template")}, Controller: "deployment-controller"},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet", Resource: "replicasets", Templates: []Path{MustPath("spec.template")}, Controller: "replicaset-controller", OwnedBy: []string{"Deployment"}},
	{Group: "apps", Version: "v1", Kind: "StatefulSet", Resource: "statefulsets", Templates: []Path{MustPath("spec.template")}, Controller: "statefulset-controller"},
	{Group: "apps", Version: "v1", Kind: "DaemonSet", Resource: "daemonsets", Templates: []Path{MustPath("spec.template")}, Controller: "daemon-set-controller"},
	{Group: "batch", Version: "v1", Kind: "Job", Resource: "jobs", Templates: []Path{MustPath("spec.template")}, RunsToCompletion: true, Controller: "job-controller", OwnedBy: []string{"CronJob"}},
	{Group: "batch", Version: "v1", Kind: "CronJob", Resource: "cronjobs", Templates: []Path{MustPath("spec.jobTemplate.spec.template")}, RunsToCompletion: true, Controller: "cronjob-controller"},
}

// BuiltinKind returns the built-in kind of this group and name; nil when there is none.
func BuiltinKind(group, kind string) *Kind {
	for i := range Builtin {
		if Builtin[i].Group == group && Builtin[i].Kind == kind {
			return &Builtin[i]
		}
	}
	return nil
}

// Names are the names of the built-in kinds.
func Names() []string {
	names := make([]string, len(Builtin))
	for i := range Builtin {
		names[i] = Builtin[i].Kind
	}
	return names
}

// builtinWorkloads are the built-in kinds with a pod template, each after the kinds that own
// it (a Deployment before its ReplicaSets, a CronJob before its Jobs).
var builtinWorkloads = func() []Kind {
	var out []Kind
	placed := map[string]bool{}
	for len(out) < len(Builtin)-1 {
		for _, k := range Builtin {
			if len(k.Templates) == 0 || placed[k.Kind] || slices.ContainsFunc(k.OwnedBy, func(o string) bool { return !placed[o] }) {
				continue
			}
			out = append(out, k)
			placed[k.Kind] = true
		}
	}
	return out
}()

// BuiltinWorkloads are the built-in kinds with a pod template, each after the kinds that own
// it: the order in which to meet owners first.
func BuiltinWorkloads() []Kind { return slices.Clone(builtinWorkloads) }

// builtinControllers are the service accounts, in kube-system, of the built-in controllers
// that create objects owned by another.
var builtinControllers = func() []string {
	var out []string
	for _, k := range Builtin {
		if k.Controller != "" {
			out = append(out, k.Controller)
		}
	}
	return out
}()

// kubeControllerManager is the controller manager's own identity, when it does not run its
// controllers under service accounts of their own.
const kubeControllerManager = "system:kube-controller-manager"

// BuiltinController reports whether username is an identity Kubernetes' own controllers
// create and update the objects they own as: the controller manager's, or the service account
// of one of its controllers (the Deployment controller's ReplicaSets, the CronJob controller's
// Jobs, the Pods of the others).
func BuiltinController(username string) bool {
	if username == kubeControllerManager {
		return true
	}
	sa, ok := strings.CutPrefix(username, "system:serviceaccount:kube-system:")
	return ok && slices.Contains(builtinControllers, sa)
}
