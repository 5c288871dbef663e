package doctor

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serving is the certificate podpolicy's Pods serve, as its Secret holds it.
type serving struct {
	secret Object
	key    string              // the key of the certificate in the Secret: tls.crt
	chain  []*x509.Certificate // the serving certificate first
	caPEM  []byte              // the Secret's ca.crt
	// problem is a finding about the Secret itself (missing, empty, unreadable); chain is
	// empty then.
	problem *Finding
}

// servingCertificate reads the Secret the Pods serve their certificate from: the one
// --tls-secret-name names (self-managed TLS), or the one mounted at --webhook-cert-path
// (cert-manager). nil when there is no Deployment to tell.
func (in *install) servingCertificate(ctx context.Context) (*serving, error) {
	if !in.servingRead {
		in.serving, in.servingErr = in.readServingCertificate(ctx)
		in.servingRead = true
	}
	return in.serving, in.servingErr
}

func (in *install) readServingCertificate(ctx context.Context) (*serving, error) {
	if in.serve.container == nil {
		return nil, nil
	}
	s := &serving{key: "tls.crt"}
	switch a := in.serve; {
	case a.selfManagedTLS:
		name := a.tlsSecretName
		if name == "" {
			name = in.fullname + "-tls"
		}
		s.secret = Object{Kind: "Secret", Namespace: a.tlsSecretNamespace, Name: name}
	case a.certDir != "":
		file, ok := in.mounted(strings.TrimSuffix(a.certDir, "/") + "/" + a.certName)
		if !ok || file.kind != "Secret" {
			return nil, fmt.Errorf("no Secret is mounted at --webhook-cert-path=%s in Deployment %s/%s", a.certDir, in.namespace, in.fullname)
		}
		s.secret, s.key = Object{Kind: "Secret", Namespace: in.namespace, Name: file.name}, file.key
	default:
		return nil, fmt.Errorf("Deployment %s/%s gives neither --self-managed-tls nor --webhook-cert-path: where its certificate comes from is unknown", in.namespace, in.fullname)
	}
	secret, err := in.client.CoreV1().Secrets(s.secret.Namespace).Get(ctx, s.secret.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		s.problem = &Finding{
			Severity: High, Object: s.secret,
			Message: fmt.Sprintf("Secret %s/%s, which holds podpolicy's serving certificate, does not exist: new Pods have no certificate to serve", s.secret.Namespace, s.secret.Name),
			Fix:     in.renewFix(),
		}
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read Secret %s/%s: %w", s.secret.Namespace, s.secret.Name, err)
	}
	s.caPEM = secret.Data["ca.crt"]
	s.chain, err = parseCertificates(secret.Data[s.key])
	if err == nil && len(s.chain) == 0 {
		err = errors.New("it is empty")
	}
	if err != nil {
		s.problem = &Finding{
			Severity: High, Object: s.secret, Field: fmt.Sprintf("data[%q]", s.key),
			Message: fmt.Sprintf("Secret %s/%s holds no serving certificate in %s: %v", s.secret.Namespace, s.secret.Name, s.key, err),
			Fix:     in.renewFix(),
		}
	}
	return s, nil
}

// renewFix says who renews the certificate and where to see why they did not.
func (in *install) renewFix() string {
	if in.serve.selfManagedTLS {
		return fmt.Sprintf("podpolicy creates and renews it itself (--self-managed-tls); that it has not means its sync fails: look for \"certificate sync failed\" in the logs of Deployment %s/%s (kubectl logs -n %s deploy/%s)", in.namespace, in.fullname, in.namespace, in.fullname)
	}
	return fmt.Sprintf("cert-manager issues and renews it: see why it has not with kubectl describe certificate -n %s %s", in.namespace, in.fullname)
}

// parseCertificates reads every PEM certificate of data.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
}

func subject(c *x509.Certificate) string {
	s := "CN=" + c.Subject.CommonName
	if len(c.DNSNames) > 0 {
		s += " for " + strings.Join(c.DNSNames, ", ")
	}
	return s + ", valid until " + c.NotAfter.UTC().Format(time.DateOnly)
}

func subjects(certs []*x509.Certificate) string {
	s := make([]string, len(certs))
	for i, c := range certs {
		s[i] = "CN=" + c.Subject.CommonName
	}
	return strings.Join(s, ", ")
}
