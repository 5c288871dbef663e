package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ManagerOptions configure a Manager.
type ManagerOptions struct {
	// SecretNamespace and SecretName name the Secret holding the CA and serving certificate.
	SecretNamespace, SecretName string
	// ValidatingWebhook and MutatingWebhook name the configurations whose caBundle is kept
	// equal to the Secret's CA bundle.
	ValidatingWebhook, MutatingWebhook string
	// Policy governs certificate lifetimes and names.
	Policy Policy
	// Interval is how often the Secret and configurations are checked.
	Interval time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Manager keeps podpolicy's own TLS material: it creates the CA and the serving certificate
// in a Secret, renews them before expiry, keeps the webhook configurations' caBundle current
// and serves the certificate in the Secret. Any number of replicas may run one: each reads the
// Secret and writes it only with the resourceVersion it read, so exactly one writer wins a
// change and the others adopt its result.
type Manager struct {
	client kubernetes.Interface
	opts   ManagerOptions
	log    logr.Logger

	current   atomic.Pointer[tls.Certificate]
	servedPEM atomic.Pointer[[]byte]
}

// NewManager returns a Manager; call Run to start it.
func NewManager(client kubernetes.Interface, opts ManagerOptions, log logr.Logger) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Manager{client: client, opts: opts, log: log}
}

// Run syncs at once and then every Interval until ctx ends. A failed sync is logged and
// retried sooner; the certificate in memory keeps serving meanwhile.
func (m *Manager) Run(ctx context.Context) {
	delay := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = m.opts.Interval
		if err := m.Sync(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			m.log.Error(err, "certificate sync failed; retrying")
			delay = min(time.Second, m.opts.Interval)
		}
	}
}

// Sync brings the Secret, the webhook configurations and the served certificate up to date.
func (m *Manager) Sync(ctx context.Context) error {
	secret, err := m.secret(ctx)
	if err != nil {
		return err
	}
	data, reasons, err := Plan(secret.Data, m.opts.Policy, m.opts.Now())
	if err != nil {
		return err
	}
	if len(reasons) > 0 {
		secret.Data = data
		if secret.Type == "" {
			secret.Type = corev1.SecretTypeTLS
		}
		if _, err := m.client.CoreV1().Secrets(secret.Namespace).Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsConflict(err) {
				return fmt.Errorf("another replica changed the Secret first; re-reading: %w", err)
			}
			return fmt.Errorf("update Secret %s/%s: %w", secret.Namespace, secret.Name, err)
		}
		m.log.Info("certificate Secret updated", "secret", secret.Name, "reasons", reasons)
	}
	// The bundle is trusted before the certificate it covers is served: configurations first.
	if err := m.injectCABundle(ctx, data[SecretCAKey]); err != nil {
		return err
	}
	return m.serve(data[SecretCertKey], data[SecretKeyKey])
}

// secret returns the Secret, creating it empty when it does not exist.
func (m *Manager) secret(ctx context.Context) (*corev1.Secret, error) {
	secrets := m.client.CoreV1().Secrets(m.opts.SecretNamespace)
	secret, err := secrets.Get(ctx, m.opts.SecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		secret = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: m.opts.SecretName, Namespace: m.opts.SecretNamespace},
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{corev1.TLSCertKey: {}, corev1.TLSPrivateKeyKey: {}},
		}
		if secret, err = secrets.Create(ctx, secret, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("Secret %s/%s appeared meanwhile; re-reading: %w", m.opts.SecretNamespace, m.opts.SecretName, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read Secret %s/%s: %w", m.opts.SecretNamespace, m.opts.SecretName, err)
	}
	return secret, nil
}

// injectCABundle sets the caBundle of every webhook of both configurations.
func (m *Manager) injectCABundle(ctx context.Context, bundle []byte) error {
	api := m.client.AdmissionregistrationV1()
	validating := func(c *admissionregistrationv1.ValidatingWebhookConfiguration) (out []*admissionregistrationv1.WebhookClientConfig) {
		for i := range c.Webhooks {
			out = append(out, &c.Webhooks[i].ClientConfig)
		}
		return out
	}
	mutating := func(c *admissionregistrationv1.MutatingWebhookConfiguration) (out []*admissionregistrationv1.WebhookClientConfig) {
		for i := range c.Webhooks {
			out = append(out, &c.Webhooks[i].ClientConfig)
		}
		return out
	}
	if err := setCABundle(ctx, api.ValidatingWebhookConfigurations(), m.opts.ValidatingWebhook, validating, bundle, m.log); err != nil {
		return fmt.Errorf("ValidatingWebhookConfiguration %s: %w", m.opts.ValidatingWebhook, err)
	}
	if err := setCABundle(ctx, api.MutatingWebhookConfigurations(), m.opts.MutatingWebhook, mutating, bundle, m.log); err != nil {
		return fmt.Errorf("MutatingWebhookConfiguration %s: %w", m.opts.MutatingWebhook, err)
	}
	return nil
}

// configClient is the part of a webhook configuration client setCABundle needs.
type configClient[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// setCABundle updates the configuration name when one of its client configs does not carry
// bundle.
func setCABundle[T any](ctx context.Context, client configClient[T], name string, clientConfigs func(T) []*admissionregistrationv1.WebhookClientConfig, bundle []byte, log logr.Logger) error {
	config, err := client.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	changed := false
	for _, cc := range clientConfigs(config) {
		if !bytes.Equal(cc.CABundle, bundle) {
			cc.CABundle, changed = bundle, true
		}
	}
	if !changed {
		return nil
	}
	if _, err := client.Update(ctx, config, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update caBundle: %w", err)
	}
	log.Info("caBundle updated", "configuration", name)
	return nil
}

// serve switches the certificate handed to TLS handshakes when the Secret's changed.
func (m *Manager) serve(certPEM, keyPEM []byte) error {
	if served := m.servedPEM.Load(); served != nil && bytes.Equal(*served, certPEM) {
		return nil
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("load serving certificate from the Secret: %w", err)
	}
	m.current.Store(&pair)
	m.servedPEM.Store(&certPEM)
	m.log.Info("serving certificate loaded")
	return nil
}

// GetCertificate hands the current certificate to a TLS handshake.
func (m *Manager) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := m.current.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("no serving certificate yet")
}

// Ready reports whether a certificate is being served.
func (m *Manager) Ready() error {
	if m.current.Load() == nil {
		return errors.New("no serving certificate yet")
	}
	return nil
}
