// Package policies is podpolicy's engine: it judges one object in a context, for
// `podpolicy check`, `post-render`, `serve` and the background audit alike.
//
// The Rego library lives under rego/ and is embedded into the binary (package library loads
// it, package config reads the config file, package regotest runs its tests). Each rule is a package
// podpolicy.rules.<name> in its own folder with a _test.rego beside it, and carries a
// `# METADATA` block whose custom fields give the rule's stable ID, severity and remediation.
// A rule package defines `violation` (validation) or `patch` (mutation); the entry point
// package podpolicy.main gathers them all, so the engine prepares one query per webhook and
// never one query per rule.
//
// By default the engine runs OPA's query plan of those two queries (package vm) rather than
// OPA's topdown interpreter: the planner, the built-ins and the semantics are OPA's, the loop
// over statements is podpolicy's, and it is several times faster. A policy set the compiled
// evaluator refuses runs on topdown instead; Options.Evaluator can force either.
//
// Engine.Judge is the one way in: each caller decodes the object with package normalize (a
// manifest's JSON, an AdmissionReview's object and a listed object alike) and builds a
// Context (operation, namespace and its labels, verified owners, old object, date); Judge
// applies the API server's defaulting, evaluates, and applies exceptions, dated actions, the
// UPDATE rule and the namespace's mode, so the CLI and the cluster cannot disagree.
package policies
