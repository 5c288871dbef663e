package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

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
