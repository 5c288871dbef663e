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

// String is the term of a string as Decode makes it: the empty string is interned.
func (t *Terms) String(s string) *ast.Term {
	if s == "" {
		return ast.InternedEmptyString
	}
	return t.New(ast.String(s))
}

// Number is the term of a JSON number's text as Decode makes it: a small integer is interned,
// and a number beyond OPA's range (a huge exponent) refused, as InterfaceToValue refuses it.
func (t *Terms) Number(text string) (*ast.Term, error) {
	if n := ast.InternedIntNumberTermFromString(text); n != nil {
		return n, nil
	}
	n, err := ast.NumberChecked(text)
	if err != nil {
		return nil, err
	}
	return t.New(n), nil
}
