package webhook

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/audit"
)

// Options configure `podpolicy serve`; its flags fill them.
type Options struct {
	// WebhookHost and WebhookPort are where the HTTPS webhook listens.
	WebhookHost string
	WebhookPort int
	// CertDir holds CertName and KeyName, reloaded when they change.
	CertDir, CertName, KeyName string
	// MetricsAddr and HealthAddr are the bind addresses of the metrics and health endpoints;
	// "0" turns one off.
	MetricsAddr, HealthAddr string
	// ConfigFile and PolicyDirs are the config file and the extra Rego directories.
	ConfigFile string
	PolicyDirs []string
	// Kubeconfig is the kubeconfig file; empty means in-cluster, and neither turns the
	// Namespace-dependent features off.
	Kubeconfig string
	// ReloadInterval is how often the config and policy files are checked for changes.
	ReloadInterval time.Duration
	// EvalTimeout bounds one evaluation.
	EvalTimeout time.Duration
	// ShutdownDelay keeps serving, reporting not ready, for this long after SIGTERM, so the
	// API server stops sending requests before the listener closes.
	ShutdownDelay time.Duration
	// EnablePprof serves /debug/pprof/ on the metrics address.
	EnablePprof bool
	// Evaluator selects how the policies run; policies.Auto when empty.
	Evaluator policies.Evaluator
	// DecisionCache keeps the compiled evaluator's results for inputs alike but for what no
	// rule read (the Pods of one template); serve's --decision-cache.
	DecisionCache bool
	// TLS, when non-nil, makes podpolicy manage its own CA and serving certificate.
	TLS *SelfManagedTLS
	// Audit configures the background audit.
	Audit audit.RunnerOptions
	// Events configure the Kubernetes Events podpolicy writes.
	Events EventsOptions
}

// SelfManagedTLS configures podpolicy's own certificate management.
type SelfManagedTLS struct {
	// SecretNamespace and SecretName name the Secret that stores the CA and the certificate.
	SecretNamespace, SecretName string
	// ServiceName is the Service in SecretNamespace the API server calls; its DNS names go
	// into the certificate.
	ServiceName string
	// ValidatingWebhook and MutatingWebhook are the configurations whose caBundle is kept
	// current.
	ValidatingWebhook, MutatingWebhook string
	// Validity is the lifetime of a serving certificate; RenewBefore how long before its
	// expiry a new one is issued.
	Validity, RenewBefore time.Duration
	// CAValidity is the CA's lifetime; CAOverlap how long a new CA is trusted before it signs.
	CAValidity, CAOverlap time.Duration
	// RefreshInterval is how often the Secret and the configurations are checked.
	RefreshInterval time.Duration
	// ExtraDNSNames and ExtraIPs are added to the certificate (tests use 127.0.0.1).
	ExtraDNSNames []string
	ExtraIPs      []string
}

// Validate checks the options once, before anything starts.
func (o *Options) Validate() error {
	var errs []error
	if o.WebhookPort <= 0 || o.WebhookPort > 65535 {
		errs = append(errs, fmt.Errorf("--webhook-port %d is not a port", o.WebhookPort))
	}
	if o.TLS == nil {
		errs = append(errs, o.validateCertFiles())
	}
	if o.TLS != nil {
		errs = append(errs, o.TLS.validate(o.Kubeconfig)...)
	}
	if o.ConfigFile != "" {
		if _, err := os.Stat(o.ConfigFile); err != nil {
			errs = append(errs, fmt.Errorf("--config: %w", err))
		}
	}
	if o.ReloadInterval <= 0 {
		errs = append(errs, errors.New("--reload-interval must be positive"))
	}
	if o.EvalTimeout <= 0 {
		errs = append(errs, errors.New("--eval-timeout must be positive"))
	}
	errs = append(errs, o.Audit.Validate(o.Kubeconfig)...)
	if o.Events.Any() {
		errs = append(errs, o.Events.validate()...)
	}
	if o.ShutdownDelay < 0 {
		errs = append(errs, errors.New("--shutdown-delay must not be negative"))
	}
	return errors.Join(errs...)
}

// validateCertFiles checks that the certificate files exist and form a key pair, so a corrupt
// or mismatched Secret is reported at start with its file names rather than as failed
// handshakes.
func (o *Options) validateCertFiles() error {
	if o.CertDir == "" {
		return errors.New("--webhook-cert-path is required (or --self-managed-tls)")
	}
	cert, key := filepath.Join(o.CertDir, o.CertName), filepath.Join(o.CertDir, o.KeyName)
	if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
		return fmt.Errorf("--webhook-cert-path: %s and %s are not a usable key pair: %w", cert, key, err)
	}
	return nil
}

func (t *SelfManagedTLS) validate(kubeconfig string) []error {
	var errs []error
	for flag, v := range map[string]string{
		"--tls-secret-namespace": t.SecretNamespace, "--tls-secret-name": t.SecretName, "--tls-service-name": t.ServiceName,
		"--validating-webhook-configuration": t.ValidatingWebhook, "--mutating-webhook-configuration": t.MutatingWebhook,
	} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required with --self-managed-tls", flag))
		}
	}
	if t.Validity <= t.RenewBefore || t.RenewBefore <= 0 {
		errs = append(errs, fmt.Errorf("--cert-renew-before (%v) must be positive and shorter than --cert-validity (%v)", t.RenewBefore, t.Validity))
	}
	if t.CAValidity < 3*t.Validity {
		errs = append(errs, fmt.Errorf("--ca-validity (%v) must be at least three times --cert-validity (%v)", t.CAValidity, t.Validity))
	}
	if t.CAOverlap < 0 || t.CAOverlap >= t.Validity-t.RenewBefore {
		errs = append(errs, fmt.Errorf("--ca-overlap (%v) must be shorter than --cert-validity minus --cert-renew-before (%v), so the old CA's last certificate outlives it", t.CAOverlap, t.Validity-t.RenewBefore))
	}
	if t.RefreshInterval <= 0 || t.RefreshInterval >= t.RenewBefore {
		errs = append(errs, fmt.Errorf("--tls-refresh-interval (%v) must be positive and shorter than --cert-renew-before", t.RefreshInterval))
	}
	return errs
}
