package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/open-policy-agent/opa/v1/ast"
	"go.yaml.in/yaml/v3"
)

// metadataKeys are the keys of a METADATA block that OPA reads; it drops any other silently.
var metadataKeys = []string{"scope", "title", "description", "related_resources", "authors", "organizations", "schemas", "entrypoint", "custom", "compile", "labels"}

// customKeys are the keys of custom that podpolicy reads for a rule.
var customKeys = []string{"id", "severity", "remediation", "settings"}

// attributeComment matches a comment that starts like a METADATA key.
var attributeComment = regexp.MustCompile(`^ ?(` + strings.Join(metadataKeys, "|") + `)\s*:`)

// checkMetadata finds METADATA keys OPA drops (a key outside custom:, a misspelt custom key of
// a rule), and METADATA-like comments without a # METADATA line above them, which OPA reads
// as plain comments.
func (l *linter) checkMetadata() {
	for _, m := range l.modules() {
		inBlock := map[int]bool{}
		for _, a := range m.Annotations {
			end := a.EndLoc()
			if end == nil {
				continue
			}
			var text strings.Builder
			var rows []int
			for _, c := range m.Comments {
				if c.Location.Row > a.Location.Row && c.Location.Row <= end.Row {
					text.WriteString(strings.TrimPrefix(string(c.Text), " ") + "\n")
					rows = append(rows, c.Location.Row)
				}
			}
			for row := a.Location.Row; row <= end.Row; row++ {
				inBlock[row] = true
			}
			l.checkAttributes(m, a, text.String(), rows)
		}
		for _, c := range m.Comments {
			if !inBlock[c.Location.Row] && attributeComment.Match(c.Text) {
				l.add("annotation-without-metadata", c.Location, fmt.Sprintf("the comment %q is written like a METADATA key, but no # METADATA line opens its block, so OPA reads it as a comment", strings.TrimSpace(string(c.Text))),
					"start the block with a # METADATA line")
				for row := c.Location.Row; inBlockRun(m, row); row++ {
					inBlock[row] = true
				}
			}
		}
	}
}

// inBlockRun reports whether row holds a comment of m.
func inBlockRun(m *ast.Module, row int) bool {
	for _, c := range m.Comments {
		if c.Location.Row == row {
			return true
		}
	}
	return false
}

// checkAttributes checks the keys of one METADATA block, whose text and comment rows are given.
func (l *linter) checkAttributes(m *ast.Module, a *ast.Annotations, text string, rows []int) {
	var doc yaml.Node
	if yaml.Unmarshal([]byte(text), &doc) != nil || len(doc.Content) == 0 {
		return
	}
	rowOf := func(n *yaml.Node) int {
		if n.Line-1 < len(rows) {
			return rows[n.Line-1]
		}
		return a.Location.Row
	}
	at := func(n *yaml.Node) *ast.Location {
		return &ast.Location{File: a.Location.File, Row: rowOf(n)}
	}
	isRule := l.ruleOfModule(m) != "" && a.Scope == "package"
	eachKey(doc.Content[0], func(key, value *yaml.Node) {
		switch {
		case !slices.Contains(metadataKeys, key.Value):
			fix := "move it under custom:, where OPA keeps any key"
			if slices.Contains(customKeys, key.Value) {
				fix = fmt.Sprintf("move it under custom: (custom.%s), where podpolicy reads it", key.Value)
			}
			l.add("invalid-metadata-attribute", at(key), fmt.Sprintf("METADATA key %s is not one OPA reads (%s): it is dropped", key.Value, strings.Join(metadataKeys, ", ")), fix)
		case key.Value == "custom" && isRule:
			eachKey(value, func(k, _ *yaml.Node) {
				if slices.Contains(customKeys, k.Value) {
					return
				}
				for _, want := range customKeys {
					if levenshtein.ComputeDistance(k.Value, want) <= 2 {
						l.add("invalid-metadata-attribute", at(k), fmt.Sprintf("custom.%s is no key podpolicy reads for a rule (%s): it is dropped", k.Value, strings.Join(customKeys, ", ")),
							fmt.Sprintf("did you mean custom.%s?", want))
						return
					}
				}
			})
		}
	})
}
