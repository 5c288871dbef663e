package doctor

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// checkCABundle: the caBundle of each of podpolicy's webhooks verifies the certificate the Pods
// serve, for the name the API server calls (<service>.<namespace>.svc); otherwise every call
// fails its TLS handshake.
func checkCABundle(ctx context.Context, in *install) ([]Finding, error) {
	s, err := in.servingCertificate(ctx)
	if err != nil || s == nil {
		return nil, err
	}
	if s.problem != nil {
		return []Finding{*s.problem}, nil
	}
	type target struct {
		object Object
		name   string
		index  int
		config admissionregistrationv1.WebhookClientConfig
		policy *admissionregistrationv1.FailurePolicyType
	}
	var targets []target
	if in.validating != nil {
		for i, w := range in.validating.Webhooks {
			if w.Name == validateWebhook || w.Name == guardWebhook {
				targets = append(targets, target{in.validatingObject(), w.Name, i, w.ClientConfig, w.FailurePolicy})
			}
		}
	}
	if w, i := in.mutatingWebhook(); w != nil {
		targets = append(targets, target{in.mutatingObject(), w.Name, i, w.ClientConfig, w.FailurePolicy})
	}
	leaf := s.chain[0]
	intermediates := x509.NewCertPool()
	for _, c := range s.chain[1:] {
		intermediates.AddCert(c)
	}
	at := in.now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter // an expired certificate is the expiry check's finding
	}
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore
	}
	var out []Finding
	// A certificate not valid for the name the API server calls is one finding on the
	// certificate, whichever webhooks call that name.
	badNames := map[string]bool{}
	for _, t := range targets {
		host := serverName(t.config)
		if host == "" || badNames[host] || leaf.VerifyHostname(host) == nil {
			continue
		}
		badNames[host] = true
		out = append(out, Finding{
			Severity: unreachableSeverity(t.name, t.policy), Object: s.secret, Field: fmt.Sprintf("data[%q]", s.key),
			Message: fmt.Sprintf("the serving certificate in Secret %s/%s (%s) is not valid for %s, the name the API server calls: every call fails its TLS handshake, so %s",
				s.secret.Namespace, s.secret.Name, subject(leaf), host, unreachableOutcome(t.name, t.policy)),
			Fix: in.renewFix() + fmt.Sprintf("; the certificate must name %s", host),
		})
	}
	for _, t := range targets {
		host := serverName(t.config)
		if badNames[host] {
			host = "" // reported above; the chain is still checked
		}
		field := fmt.Sprintf("webhooks[%d].clientConfig.caBundle", t.index)
		roots, err := parseCertificates(t.config.CABundle)
		var problem string
		switch {
		case len(t.config.CABundle) == 0:
			problem = "is empty"
		case err != nil:
			problem = fmt.Sprintf("cannot be read: %v", err)
		case len(roots) == 0:
			problem = "holds no PEM certificate"
		default:
			pool := x509.NewCertPool()
			for _, c := range roots {
				pool.AddCert(c)
			}
			_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, Intermediates: intermediates, CurrentTime: at})
			if err == nil {
				continue
			}
			problem = fmt.Sprintf("(%s) does not verify the serving certificate in Secret %s/%s (%s, issued by %s) for %s: %v",
				subjects(roots), s.secret.Namespace, s.secret.Name, subject(leaf), leaf.Issuer.CommonName, serverName(t.config), err)
		}
		out = append(out, Finding{
			Severity: unreachableSeverity(t.name, t.policy), Object: t.object, Field: field,
			Message: fmt.Sprintf("the caBundle of %s %s: the API server cannot verify podpolicy's certificate, so %s", t.name, problem, unreachableOutcome(t.name, t.policy)),
			Fix:     in.caBundleFix(s, t.object, t.index),
		})
	}
	return out, nil
}

// serverName is the name the API server verifies the certificate for: <service>.<namespace>.svc,
// or the host of the URL.
func serverName(c admissionregistrationv1.WebhookClientConfig) string {
	if c.Service != nil {
		return c.Service.Name + "." + c.Service.Namespace + ".svc"
	}
	if c.URL != nil {
		if u, err := url.Parse(*c.URL); err == nil {
			return u.Hostname()
		}
	}
	return ""
}

// unreachableOutcome says what the API server does with the requests of a webhook it cannot
// call.
func unreachableOutcome(name string, policy *admissionregistrationv1.FailurePolicyType) string {
	closed := failsClosed(policy)
	switch {
	case name == validateWebhook && closed:
		return "it refuses every Pod and workload the webhook matches (failurePolicy Fail)"
	case name == validateWebhook:
		return "it admits every Pod and workload unchecked (failurePolicy Ignore)"
	case name == guardWebhook && closed:
		return "it refuses every change of a guarded Namespace label (failurePolicy Fail)"
	case name == guardWebhook:
		return "changes of guarded Namespace labels go unchecked by the webhook (failurePolicy Ignore)"
	case closed:
		return "it refuses every Pod the webhook matches (failurePolicy Fail)"
	}
	return "Pods are created without podpolicy's labels and annotation (failurePolicy Ignore)"
}

// caBundleFix says how to put the right CA into a caBundle.
func (in *install) caBundleFix(s *serving, obj Object, i int) string {
	if in.serve.selfManagedTLS {
		return fmt.Sprintf("set webhooks[%d].clientConfig.caBundle of %s %s to the Secret's ca.crt, as base64: kubectl get secret -n %s %s -o jsonpath='{.data.ca\\.crt}'; podpolicy rewrites it itself every --tls-refresh-interval (1m by default), so if it stays wrong its logs say why (\"certificate sync failed\")",
			i, obj.Kind, obj.Name, s.secret.Namespace, s.secret.Name)
	}
	return fmt.Sprintf("cert-manager's cainjector writes it from the annotation cert-manager.io/inject-ca-from: %s/%s on %s %s: check the annotation and that cainjector runs", in.namespace, in.fullname, obj.Kind, obj.Name)
}
