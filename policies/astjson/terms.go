package astjson

import "github.com/open-policy-agent/opa/v1/ast"

// termBlock is how many terms Terms allocates at once.
const termBlock = 64

// Terms hands out terms from blocks, one allocation for many values: the decoder and the
// compiled evaluator each build many short-lived values per request. The zero value is ready
// to use. A block is never reused, since the terms outlive whoever made them.
type Terms struct{ block []ast.Term }

// New wraps v in a term from the current block.
func (t *Terms) New(v ast.Value) *ast.Term {
	if len(t.block) == 0 {
		t.block = make([]ast.Term, termBlock)
	}
	term := &t.block[0]
	t.block = t.block[1:]
	term.Value = v
	return term
}
