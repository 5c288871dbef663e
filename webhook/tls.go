package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"path/filepath"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"

	"github.com/podpolicy/podpolicy/certs"
)

// startSelfManagedTLS starts the certificate manager of --self-managed-tls and returns it.
func startSelfManagedTLS(ctx context.Context, cfg *rest.Config, o SelfManagedTLS, log logr.Logger) (*certs.Manager, error) {
	if cfg == nil {
		return nil, errors.New("--self-managed-tls needs API access (--kubeconfig or in-cluster) to keep its Secret and the caBundle")
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("API client: %w", err)
	}
	svc := o.ServiceName + "." + o.SecretNamespace
	policy := certs.Policy{
		DNSNames:    append([]string{o.ServiceName, svc, svc + ".svc", svc + ".svc.cluster.local"}, o.ExtraDNSNames...),
		Validity:    o.Validity,
		RenewBefore: o.RenewBefore,
		CAValidity:  o.CAValidity,
		CAOverlap:   o.CAOverlap,
	}
	for _, s := range o.ExtraIPs {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("--tls-extra-ips: %q is not an IP address", s)
		}
		policy.IPs = append(policy.IPs, ip)
	}
	m := certs.NewManager(client, certs.ManagerOptions{
		SecretNamespace: o.SecretNamespace, SecretName: o.SecretName,
		ValidatingWebhook: o.ValidatingWebhook, MutatingWebhook: o.MutatingWebhook,
		Policy: policy, Interval: o.RefreshInterval,
	}, log)
	go m.Run(ctx)
	return m, nil
}

// servingCertificate returns what the listener serves its certificate from: the self-managed
// TLS manager (started), or a watcher of the certificate files (to be started: the watcher
// controller-runtime's server would start itself, made here so that the certificate's expiry
// is exported from the very one the listener serves).
func servingCertificate(ctx context.Context, cfg *rest.Config, opts Options, log logr.Logger) (func(*tls.ClientHelloInfo) (*tls.Certificate, error), *certwatcher.CertWatcher, error) {
	if opts.TLS != nil {
		manager, err := startSelfManagedTLS(ctx, cfg, *opts.TLS, log.WithName("tls"))
		if err != nil {
			return nil, nil, err
		}
		return manager.GetCertificate, nil, nil
	}
	watcher, err := certwatcher.New(filepath.Join(opts.CertDir, opts.CertName), filepath.Join(opts.CertDir, opts.KeyName))
	if err != nil {
		return nil, nil, fmt.Errorf("--webhook-cert-path: %w", err)
	}
	return watcher.GetCertificate, watcher, nil
}
