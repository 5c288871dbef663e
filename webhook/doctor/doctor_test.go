package doctor

import (
	"slices"
	"strings"
	"testing"
)

// TestCleanInstallHasNoFinding: the chart's default installation, healthy, passes every check.
func TestCleanInstallHasNoFinding(t *testing.T) {
	r := cleanInstall(t).run(t)
	if len(r.Findings) != 0 || len(r.Errors) != 0 || len(r.Skipped) != 0 {
		t.Errorf("clean install: findings %+v, errors %v, skipped %v", r.Findings, r.Errors, r.Skipped)
	}
	if !slices.Equal(r.Checks, Checks()) {
		t.Errorf("checks run %v, want every check %v", r.Checks, Checks())
	}
	if r.Release != release || r.Namespace != ns || r.ExitCode() != ExitClean {
		t.Errorf("release %q, namespace %q, exit %d; want %q, %q, 0", r.Release, r.Namespace, r.ExitCode(), release, ns)
	}
}

// want is the one finding a fault must give, written from the check's definition.
type want struct {
	severity Severity
	check    string
	object   Object
	field    string
	// message and fix hold these, each.
	message, fix []string
}

var (
	vwc        = Object{Kind: "ValidatingWebhookConfiguration", Name: fullname}
	mwc        = Object{Kind: "MutatingWebhookConfiguration", Name: fullname}
	deployment = Object{Kind: "Deployment", Namespace: ns, Name: fullname}
	tlsSecret  = Object{Kind: "Secret", Namespace: ns, Name: fullname + "-tls"}
	vap        = Object{Kind: "ValidatingAdmissionPolicy", Name: fullname + "-mode-guard"}
	binding    = Object{Kind: "ValidatingAdmissionPolicyBinding", Name: fullname + "-mode-guard"}
)

// expectOne requires exactly the finding w of the fault, and nothing else.
func expectOne(t *testing.T, r *Report, w want) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Errorf("checks that could not run: %v", r.Errors)
	}
	if len(r.Findings) != 1 {
		var lines []string
		for _, f := range r.Findings {
			lines = append(lines, string(f.Severity)+" ["+f.Check+"] "+f.Object.String()+" "+f.Field+": "+f.Message)
		}
		t.Fatalf("%d findings, want exactly one [%s] %s %s:\n%s", len(r.Findings), w.check, w.object, w.field, strings.Join(lines, "\n"))
	}
	f := r.Findings[0]
	if f.Severity != w.severity || f.Check != w.check || f.Object != w.object || f.Field != w.field {
		t.Errorf("finding %s [%s] %s %q, want %s [%s] %s %q", f.Severity, f.Check, f.Object, f.Field, w.severity, w.check, w.object, w.field)
	}
	for _, s := range w.message {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message lacks %q:\n%s", s, f.Message)
		}
	}
	for _, s := range w.fix {
		if !strings.Contains(f.Fix, s) {
			t.Errorf("fix lacks %q:\n%s", s, f.Fix)
		}
	}
	if r.ExitCode() != ExitFindings {
		t.Errorf("exit %d, want %d", r.ExitCode(), ExitFindings)
	}
}

// fault is one misconfiguration made on the clean installation, and its finding.
type fault struct {
	name  string
	apply func(t *testing.T, f *fixture)
	want  want
}

func runFaults(t *testing.T, faults []fault) {
	t.Helper()
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			f := cleanInstall(t)
			tc.apply(t, f)
			expectOne(t, f.run(t), tc.want)
		})
	}
}

// runClean requires no finding of variants that are not faults.
func runClean(t *testing.T, variants map[string]func(t *testing.T, f *fixture)) {
	t.Helper()
	for name, change := range variants {
		t.Run(name, func(t *testing.T) {
			f := cleanInstall(t)
			change(t, f)
			r := f.run(t)
			if len(r.Findings) != 0 || len(r.Errors) != 0 {
				t.Errorf("findings %+v, errors %v; want none", r.Findings, r.Errors)
			}
		})
	}
}
