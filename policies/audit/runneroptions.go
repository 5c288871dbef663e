package audit

import (
	"errors"
	"fmt"
	"time"
)

// RunnerOptions configure the background audit of what already runs.
type RunnerOptions struct {
	// Interval is the time between the starts of two audits; 0 turns the audit off.
	Interval time.Duration
	// LeaseNamespace and LeaseName name the Lease that elects the one replica that audits.
	LeaseNamespace, LeaseName string
	// MaxResults bounds the results of one Report.
	MaxResults int
	// DeleteClean deletes the Report of an owner with nothing to act on.
	DeleteClean bool
	// DutyCycle is the share of one core an audit may take (0 < DutyCycle <= 1).
	DutyCycle float64
	// PageSize is how many objects one list request reads.
	PageSize int
	// APIQPS bounds the audit's requests to the API server (burst twice as many); it is what
	// bounds the first audit of a cluster, which writes every Report.
	APIQPS float64
	// ExcludeNamespaces are the namespaces the webhook configurations exclude.
	ExcludeNamespaces []string
}

// Validate checks the options, naming the flag of each problem; kubeconfig is serve's
// --kubeconfig (a Lease namespace is needed outside a cluster).
func (a *RunnerOptions) Validate(kubeconfig string) []error {
	var errs []error
	if a.Interval < 0 {
		errs = append(errs, errors.New("--audit-interval must not be negative"))
	}
	if a.Interval == 0 {
		return errs
	}
	if a.LeaseName == "" {
		errs = append(errs, errors.New("--audit-lease-name is required with --audit-interval"))
	}
	if a.LeaseNamespace == "" && kubeconfig != "" {
		errs = append(errs, errors.New("--audit-lease-namespace is required with --audit-interval outside a cluster"))
	}
	if a.MaxResults <= 0 {
		errs = append(errs, fmt.Errorf("--audit-max-results %d must be positive", a.MaxResults))
	}
	if a.DutyCycle <= 0 || a.DutyCycle > 1 {
		errs = append(errs, fmt.Errorf("--audit-duty-cycle %v must be in (0, 1]", a.DutyCycle))
	}
	if a.PageSize <= 0 {
		errs = append(errs, fmt.Errorf("--audit-page-size %d must be positive", a.PageSize))
	}
	if a.APIQPS <= 0 {
		errs = append(errs, fmt.Errorf("--audit-api-qps %v must be positive", a.APIQPS))
	}
	return errs
}
