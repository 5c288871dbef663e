// Package vm runs the policy library as OPA's planner compiles it, instead of through
// OPA's topdown evaluator.
//
// Topdown interprets Rego by unification and costs roughly 10 µs per rule plus 1–2 µs per
// expression however simple, which puts a floor of hundreds of microseconds under the
// library's two dozen rules. OPA also plans a query into its intermediate representation
// (package ir: blocks of imperative statements over locals, the form its Wasm compiler
// consumes). This
// package executes that plan directly on ast values, calling OPA's own built-in function
// implementations, so the policies, the compiler, the planner and the built-ins are all OPA's;
// only the execution of statements is podpolicy's. Each statement is compiled once, when the
// plan is loaded, into a closure over its resolved operands (compile.go).
//
// The semantics follow OPA's Wasm compiler (internal/compiler/wasm), which is the reference
// consumer of plans: a statement that is undefined leaves the innermost block, BreakStmt
// leaves Index+1 blocks, a ScanStmt body is a loop whose "leave the block" continues with the
// next element, and rules (functions of input and data only) are memoized per evaluation.
// A plan that uses a statement this package does not run is refused when it is loaded, never
// skipped at evaluation time. What each statement reads, writes and nests is described once,
// in stmtinfo.go, for every pass that analyses a plan at load; a statement not described there
// is refused too.
package vm
