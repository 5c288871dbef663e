package lint

// check is one kind of mistake the lint finds.
type check struct {
	// id names the check in findings and in # lint:ignore.
	id string
	// regal names the rule of Regal's bugs category the check mirrors; "" for podpolicy's own.
	regal string
	// summary says what the check finds.
	summary string
}

// passes are the passes over the policies that find the checks' mistakes, podpolicy's
// contract first.
func passes() []func(*linter) {
	return []func(*linter){
		(*linter).checkTests, (*linter).checkPaths, (*linter).checkInput, (*linter).checkSettings,
		(*linter).checkExprs, (*linter).checkImpossibleNot, (*linter).checkVars, (*linter).checkRules,
		(*linter).checkMetadata,
	}
}

// Checks lists the IDs of the checks with what each finds and the Regal rule it mirrors, in
// the order they run.
func Checks() [][3]string {
	var out [][3]string
	for _, c := range allChecks() {
		out = append(out, [3]string{c.id, c.summary, c.regal})
	}
	return out
}

// allChecks is every check, podpolicy's contract first.
func allChecks() []check {
	return []check{
		{id: "rule-without-tests", summary: "a rule no `_test.rego` refers to and no case names"},
		{id: "path-from-object-root", summary: "a violation `path` written from the object's root (`spec.…`), not from the pod spec"},
		{id: "path-not-in-pod-spec", summary: "a violation `path` through a field the pod spec (or the pod's metadata) does not have"},
		{id: "input-not-provided", summary: "a read of an input podpolicy never provides (`input.review`, `input.request`, `input.parameters`, `input.object`, a field the pod spec does not have), naming what podpolicy gives instead"},
		{id: "settings-of-another-rule", summary: "a rule that reads another rule's settings"},
		{id: "undeclared-setting", summary: "a read of a setting or config key the defaults do not declare"},
		{id: "unread-setting", summary: "a setting the defaults declare that its rule never reads"},
		{id: "constant-condition", regal: "constant-condition", summary: "a condition that is always true or always false"},
		{id: "not-equals-in-loop", regal: "not-equals-in-loop", summary: "`!=` against an iteration (`_`), true when any element differs"},
		{id: "unassigned-return-value", regal: "unassigned-return-value", summary: "a built-in's result neither assigned nor compared"},
		{id: "sprintf-arguments-mismatch", regal: "sprintf-arguments-mismatch", summary: "a `sprintf` whose verbs and arguments differ in number"},
		{id: "invalid-regexp", regal: "invalid-regexp", summary: "a regular expression that does not compile"},
		{id: "if-object-literal", regal: "if-object-literal", summary: "an object literal where a rule body was meant (`if {}`, `if {\"a\": 1}`)"},
		{id: "impossible-not", regal: "impossible-not", summary: "`not` on a partial set or object rule, which is always defined"},
		{id: "unused-output-variable", regal: "unused-output-variable", summary: "an iteration variable bound in a reference and never used"},
		{id: "var-shadows-builtin", regal: "var-shadows-builtin", summary: "a local variable named like a built-in function"},
		{id: "rule-shadows-builtin", regal: "rule-shadows-builtin", summary: "a rule or function named like a built-in function"},
		{id: "import-shadows-rule", regal: "import-shadows-rule", summary: "an import named like a rule of the same package"},
		{id: "duplicate-rule", regal: "duplicate-rule", summary: "two identical rules"},
		{id: "rule-assigns-default", regal: "rule-assigns-default", summary: "a rule that assigns the value of its default"},
		{id: "top-level-iteration", regal: "top-level-iteration", summary: "a rule whose value iterates (`x := input.list[_]`), a conflict at the second element"},
		{id: "invalid-metadata-attribute", regal: "invalid-metadata-attribute", summary: "a METADATA key OPA does not read (or a misspelt `custom` key of a rule), silently dropped"},
		{id: "annotation-without-metadata", regal: "annotation-without-metadata", summary: "a `title:`, `description:` or `custom:` comment outside a `# METADATA` block"},
		{id: "lint-ignore-without-reason", summary: "a `# lint:ignore` directive that gives no reason (it silences nothing)"},
		{id: "lint-ignore-unknown-check", summary: "a `# lint:ignore` directive naming no check"},
		{id: "lint-ignore-unused", summary: "a `# lint:ignore` directive that silences nothing"},
	}
}

// regalOf returns the Regal rule a check mirrors.
func regalOf(id string) string {
	for _, c := range allChecks() {
		if c.id == id {
			return c.regal
		}
	}
	return ""
}

// known reports whether id names a check.
func known(id string) bool {
	for _, c := range allChecks() {
		if c.id == id {
			return true
		}
	}
	return false
}
