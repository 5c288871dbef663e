package doctor

import (
	"context"
	"errors"
	"slices"
	"time"

	"k8s.io/client-go/kubernetes"
)

// Severity is how bad a finding is.
type Severity string

// The severities, worst first.
const (
	// Critical: requests are admitted unchecked, or a tenant can take their namespace or
	// object out of podpolicy's reach.
	Critical Severity = "critical"
	// High: an outage (requests refused), or a silent weakening of what podpolicy enforces.
	High Severity = "high"
	// Medium: a risk that needs another event (a node drain, a slow evaluation) to bite.
	Medium Severity = "medium"
	// Low: defence in depth, or what makes the installation harder to watch.
	Low Severity = "low"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case High:
		return 1
	case Medium:
		return 2
	}
	return 3
}

// Object names a Kubernetes object; Namespace is empty for a cluster-scoped one.
type Object struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String is "Kind namespace/name", or "Kind name" for a cluster-scoped object.
func (o Object) String() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Finding is one misconfiguration of the installation.
type Finding struct {
	Severity Severity `json:"severity"`
	// Check is the name of the check that found it (one of Checks).
	Check string `json:"check"`
	// Object is the object to change (for a missing object, the one to create).
	Object Object `json:"object"`
	// Field is the path of the field in Object (webhooks[0].failurePolicy), or the metric
	// that says it; empty when the whole object is missing.
	Field string `json:"field,omitempty"`
	// Message says what is wrong, in the installation's own values, and what it leads to.
	Message string `json:"message"`
	// Fix is the value to set, or the helm value.
	Fix string `json:"fix"`
}

// CheckError is a check that could not run.
type CheckError struct {
	Check string
	Err   error
}

func (e CheckError) Error() string { return e.Check + ": " + e.message() }

func (e CheckError) message() string {
	if e.Err == nil {
		return "failed"
	}
	return e.Err.Error()
}

// MarshalJSON writes {"check": ..., "error": ...}.
func (e CheckError) MarshalJSON() ([]byte, error) {
	return jsonObject("check", e.Check, "error", e.message())
}

// Report is what doctor found in one installation.
type Report struct {
	// Release and Namespace are the helm release and its namespace.
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	// Findings are sorted by severity, worst first, then in the order of Checks.
	Findings []Finding `json:"findings"`
	// Checks are the names of the checks that ran.
	Checks []string `json:"checks"`
	// Skipped are the checks that do not apply to the installation, with why (the audit
	// when it is off, the checks that read metrics when podpolicy serves none).
	Skipped []Skipped `json:"skipped,omitempty"`
	// Errors are the checks that could not run.
	Errors []CheckError `json:"errors,omitempty"`
}

// Skipped is a check that did not apply.
type Skipped struct {
	Check  string `json:"check"`
	Reason string `json:"reason"`
}

// Exit codes of doctor, as check's: 0 nothing found, 1 findings, 2 something could not be
// checked (which wins over findings: the findings are still reported).
const (
	ExitClean    = 0
	ExitFindings = 1
	ExitError    = 2
)

// ExitCode is the process exit code of the report.
func (r *Report) ExitCode() int {
	switch {
	case len(r.Errors) > 0:
		return ExitError
	case len(r.Findings) > 0:
		return ExitFindings
	}
	return ExitClean
}

// Options say which installation to check and how to read the cluster.
type Options struct {
	// Client reads the cluster.
	Client kubernetes.Interface
	// Release and Namespace name the helm release; either may be empty, and then the
	// installation is looked up by its webhook configuration.
	Release, Namespace string
	// Now is the current time; time.Now when nil.
	Now func() time.Time
}

// check is one check: it reads what it needs and returns its findings, or an error when it
// could not read the cluster.
type check struct {
	name string
	run  func(context.Context, *install) ([]Finding, error)
}

// checks run in this order.
var checks = []check{
	{"installation", checkInstallation},
	{"rules", checkRules},
	{"failure-policy", checkFailurePolicy},
	{"selectors", checkSelectors},
	{"self-exclusion", checkSelfExclusion},
	{"mode-guard", checkModeGuard},
	{"timeout", checkTimeout},
	{"ca-bundle", checkCABundle},
	{"certificate-expiry", checkExpiry},
	{"replicas", checkReplicas},
	{"disruption-budget", checkDisruptionBudget},
	{"metrics", checkMetricsServed},
	{"audit", checkAudit},
	{"evaluator", checkEvaluator},
	{"config-reload", checkReload},
}

// Checks are the names of every check, in the order they run.
func Checks() []string {
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.name
	}
	return names
}

// Run finds the installation and runs every check on it. The error is for an installation
// that cannot be found or read at all (a *NotInstalledError when there is none); a check
// that cannot run is in the report's Errors.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Client == nil {
		return nil, errors.New("no Kubernetes client")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	in, err := locate(ctx, o.Client, o.Release, o.Namespace)
	if err != nil {
		return nil, err
	}
	in.now = now()
	r := &Report{Release: in.release, Namespace: in.namespace, Findings: []Finding{}, Checks: []string{}}
	for _, c := range checks {
		found, err := c.run(ctx, in)
		var skip *skipped
		switch {
		case errors.As(err, &skip):
			r.Skipped = append(r.Skipped, Skipped{Check: c.name, Reason: skip.reason})
			continue
		case err != nil:
			r.Errors = append(r.Errors, CheckError{Check: c.name, Err: err})
			continue
		}
		r.Checks = append(r.Checks, c.name)
		for _, f := range found {
			f.Check = c.name
			r.Findings = append(r.Findings, f)
		}
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int { return a.Severity.rank() - b.Severity.rank() })
	return r, nil
}
