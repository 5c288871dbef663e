package kinds

import (
	"slices"
	"strings"
)

// Table is the kinds podpolicy judges under one config: the built-in kinds and the configured
// ones. It is read-only once made.
type Table struct {
	configured []Kind
	byKind     map[groupKind]*Kind
}

type groupKind struct{ group, kind string }

// NewTable makes the table of the built-in kinds and configured (each marked Configured). The
// caller has refused a configured kind that shadows a built-in one or is listed twice.
func NewTable(configured []Kind) *Table {
	t := &Table{configured: slices.Clone(configured), byKind: map[groupKind]*Kind{}}
	for i := range Builtin {
		t.byKind[groupKind{Builtin[i].Group, Builtin[i].Kind}] = &Builtin[i]
	}
	for i := range t.configured {
		t.configured[i].Configured = true
		t.byKind[groupKind{t.configured[i].Group, t.configured[i].Kind}] = &t.configured[i]
	}
	return t
}

// builtinTable is the table without configured kinds.
var builtinTable = NewTable(nil)

// BuiltinTable is the table of the built-in kinds alone.
func BuiltinTable() *Table { return builtinTable }

// Lookup returns the kind of this group and name; nil when podpolicy does not judge it.
func (t *Table) Lookup(group, kind string) *Kind {
	return t.byKind[groupKind{group, kind}]
}

// Of returns the kind of an object of apiVersion and kind, whatever the version; nil when
// podpolicy does not judge it.
func (t *Table) Of(apiVersion, kind string) *Kind {
	return t.byKind[groupKind{GroupOf(apiVersion), kind}]
}

// Configured are the configured kinds, in the config's order.
func (t *Table) Configured() []Kind { return slices.Clone(t.configured) }

// Workloads are the kinds with pod templates in the order in which to meet owners first: the
// configured kinds, which own built-in ones (a Rollout its ReplicaSets, a JobSet its Jobs),
// in the config's order, then the built-in ones, each after the kinds that own it.
func (t *Table) Workloads() []Kind {
	return append(slices.Clone(t.configured), builtinWorkloads...)
}

// Follows reports whether an owner chain follows an owner reference to an object of
// apiVersion and kind: a kind that makes Pods or what makes them, at a version it is judged
// at, whose controller's word on ownership is taken (Kubernetes' own, or one the config
// trusts).
func (t *Table) Follows(apiVersion, kind string) bool {
	k := t.Of(apiVersion, kind)
	return k != nil && len(k.Templates) > 0 && k.Serves(apiVersion) && (!k.Configured || len(k.Controllers) > 0)
}

// Vouches reports whether an object created or updated by username with a controller
// reference to an object of ownerAPIVersion and ownerKind came to be as that reference says:
// username is the controller of the owner's kind (one of Kubernetes' for a built-in kind, one
// the config trusts for a configured one). Anyone else could name any owner.
func (t *Table) Vouches(username, ownerAPIVersion, ownerKind string) bool {
	k := t.Of(ownerAPIVersion, ownerKind)
	if k == nil || !k.Serves(ownerAPIVersion) {
		return false
	}
	if !k.Configured {
		return BuiltinController(username)
	}
	sa, ok := strings.CutPrefix(username, "system:serviceaccount:")
	if !ok {
		return false
	}
	namespace, name, _ := strings.Cut(sa, ":")
	return slices.Contains(k.Controllers, namespace+"/"+name)
}

// Controller reports whether username is the controller of any kind of the table: an
// identity whose Pods may carry owners admission verified.
func (t *Table) Controller(username string) bool {
	if BuiltinController(username) {
		return true
	}
	sa, ok := strings.CutPrefix(username, "system:serviceaccount:")
	if !ok {
		return false
	}
	namespace, name, _ := strings.Cut(sa, ":")
	for _, k := range t.configured {
		if slices.Contains(k.Controllers, namespace+"/"+name) {
			return true
		}
	}
	return false
}
