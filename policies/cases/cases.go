// Package cases reads and runs the manifest test cases of `podpolicy test`: files named
// *.cases.yaml beside a rule, or anywhere under a policy directory. Each case is a Kubernetes
// object judged as podpolicy serve judges it (created, or updated from an old object, in a
// namespace with labels, under a config and at a date), and its outcome is held to what the
// case expects: the rules that deny, warn and audit it, the JSON Patch the mutating webhook
// returns, and the paths of the violations.
package cases

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies"
)

// FileSuffix ends the name of a cases file.
const FileSuffix = ".cases.yaml"

// Case is one test case of a cases file.
type Case struct {
	// Name names the case in reports and for --run.
	Name string
	// File and Line place the case: the cases file and the line its entry starts on.
	File string
	Line int
	// Operation is CREATE or UPDATE.
	Operation string
	// Object and OldObject are the objects as kubectl would send them (JSON); OldObject only
	// for an UPDATE.
	Object, OldObject []byte
	// objectLine and oldObjectLine place the objects, for errors of judging them.
	objectLine, oldObjectLine int
	// Namespace is the namespace the object is created in: the case's, else the object's own,
	// else default (as kubectl applies it).
	Namespace string
	// NamespaceLabels are the labels of the namespace, with kubernetes.io/metadata.name, which
	// the API server sets on every Namespace.
	NamespaceLabels map[string]string
	// Config is the case's config, merged over the defaults as --config is; nil for the
	// defaults.
	Config *yaml.Node
	// At is the time the case is judged at (enforceFrom, exception expiry); zero for now.
	At time.Time
	// Expect is what the case expects.
	Expect Expect
	// Rules, when set, are the only rules the case's outcome counts: the built-in rules, for
	// the library's own cases, so that a rule a policy directory adds changes nothing they
	// expect. Nil counts every rule loaded.
	Rules map[string]bool
}

// counts reports whether the case's outcome counts a rule.
func (c *Case) counts(rule string) bool { return c.Rules == nil || c.Rules[rule] }

// FullName is the case's file and name, which --run matches.
func (c *Case) FullName() string { return c.File + ": " + c.Name }

// Expect is the outcome a case expects.
type Expect struct {
	// Deny, Warn and Audit are the exact sets of rule IDs with a violation of that action.
	Deny, Warn, Audit IDs
	// Patch is the exact JSON Patch the mutating webhook returns; nil when the case does not
	// say (an empty list expects none).
	Patch []policies.PatchOperation
	// PatchLine places patch.
	PatchLine int
	// Paths are, for each rule named, the exact set of paths (in the object) it reports.
	Paths map[string]IDs
	// PathsLine places paths.
	PathsLine int
}

// IDs is a sorted set of names (rule IDs, paths), each with the line that names it.
type IDs struct {
	Names []string
	Lines []int
}
