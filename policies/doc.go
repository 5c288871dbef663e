// Package policies holds podpolicy's Rego library and the engine that evaluates it.
//
// The library lives under rego/ and is embedded into the binary. Each rule is a package
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
// The engine is shared by `podpolicy check` and `podpolicy serve`: both decode and normalise
// an object with package normalize (a manifest's JSON and an AdmissionReview's object alike)
// and call Engine.Evaluate, so the CLI and the cluster cannot disagree.
package policies
