package vm

import (
	"fmt"
	goast "go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
)

func localOp(l ir.Local) ir.Operand        { return ir.Operand{Value: l} }
func stringOp(i ir.StringIndex) ir.Operand { return ir.Operand{Value: i} }
func boolOp(b bool) ir.Operand             { return ir.Operand{Value: ir.Bool(b)} }

// describedStmt is a statement and what describe must say of it, written as summary does.
type describedStmt struct {
	stmt ir.Stmt
	want string
}

// irStatements holds one statement of every kind the pinned OPA's ir package has, with what
// it reads, writes and nests. Add one when OPA adds a statement kind
// (TestIRStatementsAreAllListed fails until then). The operands are valid in the plan of
// TestLoadCompilesEveryStatement: string 0, number 0 and the function g0.data.f exist.
func irStatements() []describedStmt {
	return []describedStmt{
		{&ir.ReturnLocalStmt{Source: 2}, "reads L2"},
		{&ir.CallStmt{Func: "g0.data.f", Args: []ir.Operand{localOp(0), localOp(1), stringOp(0)}, Result: 3}, "reads L0 L1 S0; assigns L3"},
		{&ir.CallDynamicStmt{Args: []ir.Local{0, 1}, Result: 4, Path: []ir.Operand{stringOp(0)}}, "reads L0 L1 S0; assigns L4"},
		{&ir.BlockStmt{Blocks: []*ir.Block{{Stmts: []ir.Stmt{&ir.NopStmt{}}}, {}}}, "nested 2"},
		{&ir.BreakStmt{Index: 1}, ""},
		{&ir.DotStmt{Source: localOp(1), Key: stringOp(0), Target: 5}, "reads L1 S0; assigns L5"},
		{&ir.LenStmt{Source: localOp(5), Target: 6}, "reads L5; assigns L6"},
		{&ir.ScanStmt{Source: 5, Key: 7, Value: 8, Block: &ir.Block{}}, "reads L5; assigns L7; assigns L8; nested 1"},
		{&ir.NotStmt{Block: &ir.Block{}}, "nested 1"},
		{&ir.AssignIntStmt{Value: 1, Target: 9}, "assigns L9"},
		{&ir.AssignVarStmt{Source: localOp(9), Target: 10}, "reads L9; assigns L10"},
		{&ir.AssignVarOnceStmt{Source: stringOp(0), Target: 11}, "reads S0 L11; assigns L11"},
		{&ir.ResetLocalStmt{Target: 11}, "assigns L11"},
		{&ir.MakeNullStmt{Target: 12}, "assigns L12"},
		{&ir.MakeNumberIntStmt{Value: 2, Target: 13}, "assigns L13"},
		{&ir.MakeNumberRefStmt{Index: 0, Target: 14}, "assigns L14"},
		{&ir.MakeArrayStmt{Capacity: 1, Target: 15}, "makes L15"},
		{&ir.MakeObjectStmt{Target: 16}, "makes L16"},
		{&ir.MakeSetStmt{Target: 17}, "makes L17"},
		{&ir.EqualStmt{A: localOp(13), B: localOp(14)}, "reads L13 L14"},
		{&ir.NotEqualStmt{A: localOp(13), B: boolOp(true)}, "reads L13 true"},
		{&ir.IsArrayStmt{Source: localOp(15)}, "reads L15"},
		{&ir.IsObjectStmt{Source: localOp(16)}, "reads L16"},
		{&ir.IsSetStmt{Source: localOp(17)}, "reads L17"},
		{&ir.IsDefinedStmt{Source: 12}, "reads L12"},
		{&ir.IsUndefinedStmt{Source: 11}, "reads L11"},
		{&ir.ArrayAppendStmt{Value: localOp(13), Array: 15}, "reads L13 L15; changes L15"},
		{&ir.ObjectInsertStmt{Key: stringOp(0), Value: localOp(13), Object: 16}, "reads S0 L13 L16; changes L16"},
		{&ir.ObjectInsertOnceStmt{Key: localOp(13), Value: localOp(14), Object: 16}, "reads L13 L14 L16; changes L16"},
		{&ir.ObjectMergeStmt{A: 16, B: 1, Target: 18}, "reads L16 L1; assigns L18"},
		{&ir.SetAddStmt{Value: localOp(13), Set: 17}, "reads L13 L17; changes L17"},
		{&ir.WithStmt{Local: 0, Path: []int{0}, Value: localOp(13), Block: &ir.Block{}}, "reads L13 L0; rebinds L0; nested 1"},
		{&ir.NopStmt{}, ""},
		{&ir.ResultSetAddStmt{Value: 16}, "reads L16"},
	}
}

// ownStatements holds one statement of every kind Load makes from the plan's own.
func ownStatements() []describedStmt {
	call := &ir.CallStmt{Func: "plus", Args: []ir.Operand{localOp(2), stringOp(0)}, Result: 3}
	return []describedStmt{
		{&callFunctionStmt{CallStmt: call}, "reads L2 S0; assigns L3"},
		{&callBuiltinStmt{CallStmt: call}, "reads L2 S0; assigns L3"},
		{&constStmt{Target: 4, Value: ast.SetTerm()}, "assigns L4"},
		{&makeObjectStmt{Target: 5, Capacity: 2}, "makes L5"},
	}
}

// summary writes what describe says of a statement in the notation of irStatements.
func summary(info stmtInfo) string {
	var parts []string
	if len(info.reads) > 0 {
		reads := make([]string, len(info.reads))
		for i, o := range info.reads {
			switch v := o.Value.(type) {
			case ir.Local:
				reads[i] = fmt.Sprintf("L%d", v)
			case ir.StringIndex:
				reads[i] = fmt.Sprintf("S%d", v)
			case ir.Bool:
				reads[i] = fmt.Sprint(bool(v))
			}
		}
		parts = append(parts, "reads "+strings.Join(reads, " "))
	}
	kinds := map[writeKind]string{assigns: "assigns", makes: "makes", changes: "changes", rebinds: "rebinds"}
	for _, w := range info.writes {
		parts = append(parts, fmt.Sprintf("%s L%d", kinds[w.kind], w.local))
	}
	if len(info.nested) > 0 {
		parts = append(parts, fmt.Sprintf("nested %d", len(info.nested)))
	}
	return strings.Join(parts, "; ")
}

func TestDescribeSaysWhatEachStatementDoes(t *testing.T) {
	for _, tc := range append(irStatements(), ownStatements()...) {
		info, ok := describe(tc.stmt)
		if !ok {
			t.Errorf("%T: not described", tc.stmt)
			continue
		}
		if got := summary(info); got != tc.want {
			t.Errorf("%T: got %q, want %q", tc.stmt, got, tc.want)
		}
	}
	if _, ok := describe(&futureStmt{}); ok {
		t.Error("describe knows a statement no one described")
	}
}

// TestIRStatementsAreAllListed compares irStatements with the statement types declared in
// the pinned OPA's ir package, and ownStatements with those of this package, so that a
// statement kind added to either fails here before it can be misread.
func TestIRStatementsAreAllListed(t *testing.T) {
	irDir := filepath.Join(opaModuleDir(t), "v1", "ir")
	for _, tc := range []struct {
		files  string
		listed []describedStmt
	}{
		{filepath.Join(irDir, "ir.go"), irStatements()},
		{"*.go", ownStatements()},
	} {
		declared := stmtTypes(t, tc.files)
		var listed []string
		for _, s := range tc.listed {
			listed = append(listed, reflect.TypeOf(s.stmt).Elem().Name())
		}
		slices.Sort(listed)
		if !slices.Equal(declared, listed) {
			t.Errorf("statement types in %s:\n declared %v\n listed   %v", tc.files, declared, listed)
		}
	}
}

// stmtTypes returns the struct types whose names end in Stmt declared in the Go files
// matching pattern, test files excepted.
func stmtTypes(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files match %s: %v", pattern, err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		goast.Inspect(f, func(n goast.Node) bool {
			spec, ok := n.(*goast.TypeSpec)
			if !ok {
				return true
			}
			if _, isStruct := spec.Type.(*goast.StructType); isStruct && strings.HasSuffix(spec.Name.Name, "Stmt") {
				names = append(names, spec.Name.Name)
			}
			return false
		})
	}
	slices.Sort(names)
	return names
}

// TestLoadRefusesAnUndescribedStatement: a statement describe does not know is refused at
// load wherever it is, nested blocks included, since a pass would otherwise misread it.
func TestLoadRefusesAnUndescribedStatement(t *testing.T) {
	future := []ir.Stmt{&futureStmt{}}
	for name, stmt := range map[string]ir.Stmt{
		"top level":   &futureStmt{},
		"in a block":  &ir.BlockStmt{Blocks: []*ir.Block{{}, {Stmts: future}}},
		"in a scan":   &ir.ScanStmt{Source: 0, Key: 2, Value: 3, Block: &ir.Block{Stmts: future}},
		"in a not":    &ir.NotStmt{Block: &ir.Block{Stmts: future}},
		"in a with":   &ir.WithStmt{Local: 0, Value: boolOp(true), Block: &ir.Block{Stmts: future}},
		"deep inside": &ir.NotStmt{Block: &ir.Block{Stmts: []ir.Stmt{&ir.BlockStmt{Blocks: []*ir.Block{{Stmts: future}}}}}},
	} {
		policy := &ir.Policy{
			Static: &ir.Static{},
			Plans:  &ir.Plans{Plans: []*ir.Plan{{Name: "p", Blocks: []*ir.Block{{Stmts: []ir.Stmt{stmt}}}}}},
		}
		_, err := Load(policy, ast.NewObject())
		if err == nil || !strings.Contains(err.Error(), "statement *vm.futureStmt is not supported") {
			t.Errorf("%s: error %v, want the statement refused", name, err)
		}
	}
}

func TestMentions(t *testing.T) {
	info, _ := describe(&ir.ObjectInsertStmt{Key: stringOp(0), Value: localOp(3), Object: 4})
	for local, want := range map[ir.Local]bool{3: true, 4: true, 0: false, 5: false} {
		if got := info.mentions(local); got != want {
			t.Errorf("mentions(L%d) = %v, want %v", local, got, want)
		}
	}
}
