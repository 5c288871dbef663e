package vm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/test/cases"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/types"
	"github.com/open-policy-agent/opa/v1/util"
)

// conformanceDir is where the pinned OPA module keeps its evaluation test cases (Rego v1).
const conformanceDir = "v1/test/cases/testdata/v1"

// caseOutcome is what running one conformance case on the compiled evaluator came to.
type caseOutcome struct {
	// refused holds why the evaluator refuses the case's plan (empty when it loads it).
	refused string
	// disagreement holds how the result differed from OPA's expected one (empty when equal).
	disagreement string
	// strictDifference holds how the evaluator and OPA's topdown differ when both run with
	// strict built-in errors, as podpolicy always evaluates (empty when they agree).
	strictDifference string
	// builtins are the built-ins the evaluation called.
	builtins []string
}

// opaModuleDir finds the pinned OPA module in the module cache, as the go command resolves it.
func opaModuleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/open-policy-agent/opa").Output()
	if err != nil {
		t.Fatalf("locate the OPA module: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, conformanceDir)); err != nil {
		t.Fatalf("OPA's conformance cases: %v (run go mod download)", err)
	}
	return dir
}

// TestConformance runs every Rego v1 evaluation case of OPA's own conformance suite through
// the compiled evaluator, read from the pinned OPA module. Each case must either give OPA's
// expected result or error, or be refused when its plan is loaded, with the reason; a silent
// disagreement fails the test. Every case also runs with strict built-in errors on both the
// evaluator and OPA's topdown, which must agree. The built-in allowlist is checked against
// what the agreeing cases call.
func TestConformance(t *testing.T) {
	registerTestSleep()
	set, err := cases.Load(filepath.Join(opaModuleDir(t), conformanceDir))
	if err != nil {
		t.Fatal(err)
	}
	agree, strictAgree := 0, 0
	refused := map[string][]string{}
	proven := map[string]int{}
	for _, tc := range set.Sorted().Cases {
		outcome := runCase(t, tc)
		switch {
		case outcome.disagreement != "" && outcome.refused == "":
			t.Errorf("%s: %s", tc.Note, outcome.disagreement)
		case outcome.disagreement != "":
			t.Logf("%s (refused at load): %s", tc.Note, outcome.disagreement)
		default:
			for _, b := range outcome.builtins {
				proven[b]++
			}
		}
		if outcome.strictDifference != "" {
			t.Errorf("%s, strict built-in errors: %s", tc.Note, outcome.strictDifference)
		} else {
			strictAgree++
		}
		switch {
		case outcome.refused != "":
			refused[outcome.refused] = append(refused[outcome.refused], tc.Note)
		case outcome.disagreement == "":
			agree++
		}
	}
	checkBuiltinAllowlist(t, proven)
	total := len(set.Cases)
	nRefused := 0
	for _, names := range refused {
		nRefused += len(names)
	}
	t.Logf("conformance: %d agree / %d refused / %d total; with strict built-in errors %d of %d agree with topdown",
		agree, nRefused, total, strictAgree, total)
	for _, reason := range slices.Sorted(maps.Keys(refused)) {
		t.Logf("refused (%d): %s: %s", len(refused[reason]), reason, strings.Join(refused[reason], "; "))
	}
	if agree+nRefused != total {
		t.Errorf("%d cases neither agree nor are refused", total-agree-nRefused)
	}
}

// conformanceCase is one case prepared to run: its compiled modules, data and input.
type conformanceCase struct {
	tc       cases.TestCase
	compiler *ast.Compiler
	data     ast.Value
	input    ast.Value
}

// runCase runs one case the way OPA's topdown test runner does (v1/topdown/exported_test.go):
// the modules compiled as Rego v1, the data as the base document, built-in errors strict
// only where the case asks. The evaluator runs it even when its allowlist would refuse the
// plan, so that the suite measures every built-in.
func runCase(t *testing.T, tc cases.TestCase) (outcome caseOutcome) {
	defer func() {
		if r := recover(); r != nil {
			outcome = caseOutcome{disagreement: fmt.Sprintf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	for k, v := range tc.Env {
		t.Setenv(k, v)
	}
	c, err := prepareCase(tc)
	if err != nil {
		return caseOutcome{disagreement: err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	plan, err := Plan(ctx, c.compiler, tc.Query)
	if err != nil {
		return caseOutcome{refused: "planner: " + firstLine(err.Error())}
	}
	if err := CheckBuiltins(plan); err != nil {
		outcome.refused = "load plan: " + err.Error()
	}
	called := map[string]bool{}
	observe := func(p *Program) {
		p.anyBuiltin = true
		p.observe = func(name string) { called[name] = true }
	}
	// The watch of podpolicy's decision cache runs on every case: its analysis must finish on
	// any plan, and its notes must leave the results as they are.
	program, err := Load(plan, c.data, StrictBuiltinErrors(tc.StrictError), observe, Watch([]string{"name"}, []string{"pod", "metadata", "name"}))
	if err != nil {
		outcome.refused = firstLine(err.Error())
		return outcome
	}
	results, err := program.ResultSet(ctx, c.input)
	outcome.disagreement = compareOutcome(tc, results, err)
	outcome.builtins = slices.Sorted(maps.Keys(called))
	outcome.strictDifference = c.strictDifference(ctx)
	return outcome
}

func prepareCase(tc cases.TestCase) (*conformanceCase, error) {
	parserOpts := ast.ParserOptions{RegoVersion: ast.RegoV1}
	if tc.ExperimentalKeywords {
		parserOpts.Capabilities = ast.CapabilitiesForThisVersion(ast.CapabilitiesExperimentalKeywords(true))
	}
	modules := map[string]string{}
	for i, m := range tc.Modules {
		modules[fmt.Sprintf("test-%d.rego", i)] = m
	}
	compiler, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{ParserOptions: parserOpts})
	if err != nil {
		return nil, fmt.Errorf("modules do not compile: %w", err)
	}
	c := &conformanceCase{tc: tc, compiler: compiler, data: ast.NewObject()}
	if tc.Data != nil {
		if c.data, err = ast.InterfaceToValue(*tc.Data); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	}
	switch {
	case tc.InputTerm != nil:
		c.input = ast.MustParseTerm(*tc.InputTerm).Value
	case tc.Input != nil:
		c.input = ast.MustInterfaceToValue(*tc.Input)
	}
	return c, nil
}

// strictDifference runs the case with strict built-in errors on the evaluator and on OPA's
// topdown and returns how their outcomes differ: both an error of the same code, or equal
// results.
func (c *conformanceCase) strictDifference(ctx context.Context) string {
	plan, err := Plan(ctx, c.compiler, c.tc.Query)
	if err != nil {
		return fmt.Sprintf("planner: %v", err)
	}
	program, err := Load(plan, c.data, StrictBuiltinErrors(true), func(p *Program) { p.anyBuiltin = true })
	if err != nil {
		return fmt.Sprintf("load: %v", err)
	}
	got, gotErr := program.ResultSet(ctx, c.input)
	want, wantErr := c.topdownStrict(ctx)
	switch {
	case gotErr != nil && wantErr != nil:
		if errorCode(gotErr) != errorCode(wantErr) {
			return fmt.Sprintf("topdown: %v; compiled: %v", wantErr, gotErr)
		}
		return ""
	case gotErr != nil || wantErr != nil:
		return fmt.Sprintf("topdown: %v, %v; compiled: %v, %v", want, wantErr, got, gotErr)
	}
	gotSet, err := resultSet(got, false, true)
	if err != nil {
		return err.Error()
	}
	wantSet, err := resultSet(want, false, true)
	if err != nil {
		return err.Error()
	}
	if gotSet.Compare(wantSet) != 0 {
		return fmt.Sprintf("topdown: %v; compiled: %v", wantSet, gotSet)
	}
	return ""
}

// topdownStrict runs the case on OPA's topdown with strict built-in errors, as its own
// runner does otherwise.
func (c *conformanceCase) topdownStrict(ctx context.Context) ([]ast.Object, error) {
	query, err := c.compiler.QueryCompiler().Compile(ast.MustParseBody(c.tc.Query))
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObject(map[string]any{})
	if c.tc.Data != nil {
		store = inmem.NewFromObject(*c.tc.Data)
	}
	txn := storage.NewTransactionOrDie(ctx, store)
	defer store.Abort(ctx, txn)
	q := topdown.NewQuery(query).WithCompiler(c.compiler).WithStore(store).WithTransaction(txn).
		WithStrictBuiltinErrors(true)
	if c.input != nil {
		q = q.WithInput(ast.NewTerm(c.input))
	}
	rs, err := q.Run(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ast.Object, len(rs))
	for i, bindings := range rs {
		obj := ast.NewObject()
		for k, v := range bindings {
			obj.Insert(ast.StringTerm(string(k)), v)
		}
		out[i] = obj
	}
	return out, nil
}

func errorCode(err error) string {
	var te *topdown.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return "(not an evaluation error)"
}

// compareOutcome returns how results and err differ from what the case expects; empty when
// they agree.
func compareOutcome(tc cases.TestCase, results []ast.Object, err error) string {
	if tc.WantError != nil || tc.WantErrorCode != nil {
		if err == nil {
			return fmt.Sprintf("want error %s, got result %v", wantedError(tc), results)
		}
		if tc.WantErrorCode != nil && errorCode(err) != *tc.WantErrorCode {
			return fmt.Sprintf("want error code %s, got %v", *tc.WantErrorCode, err)
		}
		if tc.WantError != nil && !strings.Contains(err.Error(), *tc.WantError) {
			return fmt.Sprintf("want error %q, got %v", *tc.WantError, err)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("unexpected error: %v", err)
	}
	if tc.WantResult == nil {
		return "the case expects neither a result nor an error"
	}
	want := ast.NewSet()
	for _, b := range *tc.WantResult {
		obj := ast.NewObject()
		for k, v := range b {
			obj.Insert(ast.StringTerm(k), ast.NewTerm(ast.MustInterfaceToValue(v)))
		}
		want.Add(ast.NewTerm(obj))
	}
	got, convErr := resultSet(results, tc.SortBindings, tc.IgnoreGeneratedVars)
	if convErr != nil {
		return convErr.Error()
	}
	if want.Compare(got) != 0 {
		return fmt.Sprintf("want %v, got %v", want, got)
	}
	return ""
}

// resultSet normalises results as OPA's runner does: through JSON (sets become sorted
// arrays), arrays sorted when bindings are sets, generated variables dropped if asked.
func resultSet(results []ast.Object, sortBindings, ignoreGenerated bool) (ast.Set, error) {
	got := ast.NewSet()
	for _, r := range results {
		obj := ast.NewObject()
		var convErr error
		r.Foreach(func(k, term *ast.Term) {
			v, err := ast.JSON(term.Value)
			if err != nil {
				convErr = fmt.Errorf("result %v: %w", r, err)
				return
			}
			if arr, ok := v.([]any); ok && sortBindings {
				slices.SortFunc(arr, util.Compare)
			}
			name := string(k.Value.(ast.String))
			if !ignoreGenerated || !strings.HasPrefix(name, "__localq") {
				obj.Insert(ast.StringTerm(name), ast.NewTerm(ast.MustInterfaceToValue(v)))
			}
		})
		if convErr != nil {
			return nil, convErr
		}
		got.Add(ast.NewTerm(obj))
	}
	return got, nil
}

func wantedError(tc cases.TestCase) string {
	if tc.WantError != nil {
		return fmt.Sprintf("%q", *tc.WantError)
	}
	return *tc.WantErrorCode
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// checkBuiltinAllowlist requires the compiled evaluator's allowlist to be what the suite
// proves: every allowlisted built-in is called by a case that agrees, and every built-in
// such a case calls is allowlisted, excluded with a reason, or the test's own.
func checkBuiltinAllowlist(t *testing.T, proven map[string]int) {
	t.Helper()
	for name := range provenBuiltins {
		if proven[name] == 0 {
			t.Errorf("built-in %s is allowlisted but no agreeing conformance case calls it", name)
		}
	}
	for name := range proven {
		_, excluded := excludedBuiltins[name]
		if !provenBuiltins[name] && !excluded && name != testSleep {
			t.Errorf("built-in %s is proven by the suite but neither allowlisted nor excluded", name)
		}
	}
	t.Logf("%d built-ins allowlisted, %d excluded: %v", len(provenBuiltins), len(excludedBuiltins), slices.Sorted(maps.Keys(excludedBuiltins)))
}

// testSleep is the custom built-in OPA's own runners register for the time-caching case.
const testSleep = "test.sleep"

var registerSleep sync.Once

// registerTestSleep adds test.sleep, as a user of the rego package may add a built-in.
func registerTestSleep() {
	registerSleep.Do(func() {
		rego.RegisterBuiltin1(&rego.Function{
			Name: testSleep,
			Decl: types.NewFunction(types.Args(types.S), types.NewNull()),
		}, func(_ rego.BuiltinContext, op *ast.Term) (*ast.Term, error) {
			d, err := time.ParseDuration(string(op.Value.(ast.String)))
			if err != nil {
				return nil, err
			}
			time.Sleep(d)
			return ast.NullTerm(), nil
		})
	})
}
