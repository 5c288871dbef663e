package cases

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/podpolicy/podpolicy/policies"
)

// Mismatches says, line by line, where an outcome differs from what the case expects; none
// when the case passes. Each line names the expectation, what it wants and what was got, and
// the violations of every rule that is there but not wanted, as the webhook reports them.
func (c *Case) Mismatches(out *Outcome) []string {
	if out.NoTemplate != "" {
		return []string{"the object was not judged: " + out.NoTemplate + "; a case needs an object podpolicy judges"}
	}
	var lines []string
	for _, set := range []struct {
		action policies.Action
		want   []string
		got    []string
	}{
		{policies.Deny, c.Expect.Deny.Names, out.Deny},
		{policies.Warn, c.Expect.Warn.Names, out.Warn},
		{policies.Audit, c.Expect.Audit.Names, out.Audit},
	} {
		want := set.want
		if want == nil {
			want = []string{}
		}
		if slices.Equal(want, set.got) {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: want %s, got %s", set.action, list(want), list(set.got)))
		for _, v := range out.Violations {
			if v.Action == set.action && !slices.Contains(want, v.Rule) {
				lines = append(lines, "  "+v.String())
			}
		}
	}
	if c.Expect.Patch != nil && !samePatch(c.Expect.Patch, out.Patch) {
		lines = append(lines, fmt.Sprintf("patch: want %s, got %s", patchJSON(c.Expect.Patch), patchJSON(out.Patch)))
		if len(out.Patch) == 0 && (c.Operation != "CREATE" || !isPod(c.Object)) {
			lines = append(lines, "  (the mutating webhook patches Pods when they are created, never workloads or updates)")
		}
	}
	for _, rule := range sortedKeys(c.Expect.Paths) {
		want, got := c.Expect.Paths[rule].Names, pathsOf(out.Violations, rule)
		if want == nil {
			want = []string{}
		}
		if !slices.Equal(want, got) {
			lines = append(lines, fmt.Sprintf("paths of %s: want %s, got %s", rule, list(want), list(got)))
		}
	}
	if len(lines) > 0 && out.Note != "" {
		lines = append(lines, "note: "+out.Note)
	}
	return lines
}

// Same reports whether two evaluators gave the same outcome, and what differs when not.
func Same(a, b *Outcome) (bool, string) {
	av, bv := comparable(a), comparable(b)
	if reflect.DeepEqual(av, bv) {
		return true, ""
	}
	ja, _ := json.Marshal(av)
	jb, _ := json.Marshal(bv)
	return false, fmt.Sprintf("%s: %s\n%s: %s", a.Evaluator, ja, b.Evaluator, jb)
}

// comparable is an outcome as JSON values, without the evaluator that judged it.
func comparable(o *Outcome) any {
	data, _ := json.Marshal(struct {
		Violations []policies.Violation
		Patch      []policies.PatchOperation
		Note       string
		NoTemplate string
	}{o.Violations, o.Patch, o.Note, o.NoTemplate})
	var v any
	_ = json.Unmarshal(data, &v)
	return v
}

// samePatch compares two patches as the JSON the webhook sends.
func samePatch(a, b []policies.PatchOperation) bool {
	return patchJSON(a) == patchJSON(b)
}

// patchJSON writes a patch as JSON with sorted keys, so equal patches write alike.
func patchJSON(ops []policies.PatchOperation) string {
	if ops == nil {
		ops = []policies.PatchOperation{}
	}
	data, _ := json.Marshal(ops)
	var v any
	_ = json.Unmarshal(data, &v)
	data, _ = json.Marshal(v)
	return string(data)
}

// pathsOf returns the sorted paths a rule reports.
func pathsOf(violations []policies.Violation, rule string) []string {
	return distinct(violations, func(v *policies.Violation) (string, bool) { return v.Path, v.Rule == rule })
}

func list(names []string) string { return "[" + strings.Join(names, ", ") + "]" }

func sortedKeys(m map[string]IDs) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
