package doctor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/certs"
)

func TestCABundle(t *testing.T) {
	other, err := certs.NewCA("someone-else-ca", 24*time.Hour, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	runFaults(t, []fault{
		{"another CA", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].ClientConfig.CABundle = other.CertPEM
		}, want{High, "ca-bundle", vwc, "webhooks[0].clientConfig.caBundle",
			[]string{"the caBundle of validate.podpolicy.io (CN=someone-else-ca) does not verify the serving certificate in Secret podpolicy-system/pp-podpolicy-tls",
				"issued by pp-podpolicy-ca) for pp-podpolicy.podpolicy-system.svc", "it refuses every Pod and workload the webhook matches (failurePolicy Fail)"},
			[]string{"set webhooks[0].clientConfig.caBundle of ValidatingWebhookConfiguration pp-podpolicy to the Secret's ca.crt", "kubectl get secret -n podpolicy-system pp-podpolicy-tls"}}},
		{"empty on the mutation", func(t *testing.T, f *fixture) {
			f.mutating.Webhooks[0].ClientConfig.CABundle = nil
		}, want{High, "ca-bundle", mwc, "webhooks[0].clientConfig.caBundle",
			[]string{"the caBundle of mutate.podpolicy.io is empty", "created without podpolicy's labels"}, nil}},
		{"not PEM", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[1].ClientConfig.CABundle = []byte("not a certificate")
		}, want{High, "ca-bundle", vwc, "webhooks[1].clientConfig.caBundle", []string{"holds no PEM certificate"}, nil}},
		{"a certificate for another name", func(t *testing.T, f *fixture) {
			ca, _ := tlsMaterial()
			f.secret.Data["tls.crt"] = issue(t, ca, []string{"podpolicy.other.svc"}, 365*24*time.Hour).CertPEM
		}, want{High, "ca-bundle", tlsSecret, `data["tls.crt"]`,
			[]string{"is not valid for pp-podpolicy.podpolicy-system.svc, the name the API server calls"}, []string{"the certificate must name pp-podpolicy.podpolicy-system.svc"}}},
		{"the Secret missing", func(t *testing.T, f *fixture) { f.secret = nil }, want{High, "ca-bundle", tlsSecret, "",
			[]string{"Secret podpolicy-system/pp-podpolicy-tls, which holds podpolicy's serving certificate, does not exist"},
			[]string{"--self-managed-tls", "certificate sync failed"}}},
		{"the Secret empty", func(t *testing.T, f *fixture) { f.secret.Data["tls.crt"] = nil }, want{High, "ca-bundle", tlsSecret, `data["tls.crt"]`,
			[]string{"holds no serving certificate in tls.crt: it is empty"}, nil}},
		{"validation failing open", func(t *testing.T, f *fixture) {
			f.validating.Webhooks[0].ClientConfig.CABundle = other.CertPEM
			f.validating.Webhooks[0].FailurePolicy = nil // Fail
			f.validating.Webhooks[0].TimeoutSeconds = nil
		}, want{High, "ca-bundle", vwc, "webhooks[0].clientConfig.caBundle", nil, nil}},
	})
}

// TestCABundleInCertManagerMode: the certificate comes from the Secret mounted at
// --webhook-cert-path, and the fix names cainjector.
func TestCABundleInCertManagerMode(t *testing.T) {
	certManager := func(f *fixture) {
		setArg(f, "--self-managed-tls", "--webhook-cert-path=/tmp/k8s-webhook-server/serving-certs", "--webhook-cert-name=tls.crt")
		spec := &f.deployment.Spec.Template.Spec
		spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts, corev1VolumeMount("certs", "/tmp/k8s-webhook-server/serving-certs"))
		spec.Volumes = append(spec.Volumes, secretVolume("certs", fullname+"-tls"))
	}
	runClean(t, map[string]func(*testing.T, *fixture){"cert-manager mode": func(t *testing.T, f *fixture) { certManager(f) }})
	other, err := certs.NewCA("someone-else-ca", 24*time.Hour, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	runFaults(t, []fault{
		{"another CA", func(t *testing.T, f *fixture) {
			certManager(f)
			f.validating.Webhooks[1].ClientConfig.CABundle = other.CertPEM
		}, want{High, "ca-bundle", vwc, "webhooks[1].clientConfig.caBundle", nil,
			[]string{"cainjector writes it from the annotation cert-manager.io/inject-ca-from: podpolicy-system/pp-podpolicy"}}},
	})
}

func TestCertificateExpiry(t *testing.T) {
	runFaults(t, []fault{
		{"the serving certificate ends in 5 days", func(t *testing.T, f *fixture) {
			ca, _ := tlsMaterial()
			f.secret.Data["tls.crt"] = issue(t, ca, []string{service}, 6*24*time.Hour).CertPEM // issued a day before now
		}, want{High, "certificate-expiry", tlsSecret, `data["tls.crt"]`,
			[]string{"the serving certificate in Secret podpolicy-system/pp-podpolicy-tls (CN=pp-podpolicy.podpolicy-system.svc", "expires on 2027-03-06T12:00:00Z, in 5 days"},
			[]string{"certificate sync failed"}}},
		{"the serving certificate expired", func(t *testing.T, f *fixture) {
			ca, _ := tlsMaterial()
			b, err := ca.Issue([]string{service}, nil, 20*24*time.Hour, now.Add(-23*24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			f.secret.Data["tls.crt"] = b.CertPEM
		}, want{High, "certificate-expiry", tlsSecret, `data["tls.crt"]`,
			[]string{"expired on 2027-02-26T12:00:00Z, 3 days ago: the API server refuses to call podpolicy"}, nil}},
		{"the CA ends in 36 hours", func(t *testing.T, f *fixture) {
			caPEM, leafPEM := shortCA(t, now.Add(36*time.Hour))
			f.secret.Data["ca.crt"], f.secret.Data["tls.crt"] = caPEM, leafPEM
			for i := range f.validating.Webhooks {
				f.validating.Webhooks[i].ClientConfig.CABundle = caPEM
			}
			f.mutating.Webhooks[0].ClientConfig.CABundle = caPEM
		}, want{High, "certificate-expiry", tlsSecret, `data["ca.crt"]`,
			[]string{"the CA that signed the serving certificate", "in 36 hours"}, nil}},
	})
}

// shortCA makes a CA that ends at caEnd and a serving certificate it signed that outlives it
// (certs.CA never issues one; another CA might).
func shortCA(t *testing.T, caEnd time.Time) (caPEM, leafPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "short-ca"}, NotBefore: now.Add(-time.Hour), NotAfter: caEnd,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leafTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: service}, DNSNames: []string{service},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(300 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, caTemplate, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
}
