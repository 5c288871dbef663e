package certs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"maps"
	"net"
	"slices"
	"time"

	"github.com/cert-manager/cert-manager/pkg/util/pki"
)

// Keys of the Secret that stores podpolicy's own TLS material.
const (
	// SecretCertKey and SecretKeyKey hold the serving certificate and key.
	SecretCertKey = "tls.crt"
	SecretKeyKey  = "tls.key"
	// SecretCAKey holds the CA bundle the webhook configurations trust: the current CA first,
	// then any older CA still valid, so certificates of either are accepted during a rotation.
	SecretCAKey = "ca.crt"
	// SecretCAKeyKey holds the current CA's private key.
	SecretCAKeyKey = "ca.key"
)

// Policy says how long certificates live and when they are renewed.
type Policy struct {
	// DNSNames and IPs go into the serving certificate.
	DNSNames []string
	IPs      []net.IP
	// Validity and RenewBefore govern the serving certificate.
	Validity, RenewBefore time.Duration
	// CAValidity is the CA's lifetime; a CA is replaced when a third of it is left.
	CAValidity time.Duration
	// CAOverlap is how long a new CA sits in the trusted bundle before certificates are issued
	// from it, so every API server has picked up the new bundle first.
	CAOverlap time.Duration
}

// Plan compares the material stored in a Secret with the policy at now and returns the data
// the Secret should hold, with the reasons for any change (none: the data is already right).
// It never leaves a window in which the API server rejects the serving certificate: a serving
// certificate is renewed under the same CA, and a new CA is trusted (added to the bundle) a
// CAOverlap before it signs anything. That needs CAOverlap < Validity-RenewBefore, so the
// certificate the old CA issued last outlives the overlap.
func Plan(data map[string][]byte, p Policy, now time.Time) (map[string][]byte, []string, error) {
	var reasons []string
	var bridge *Bundle
	bundle := validCAs(data[SecretCAKey], now)
	ca, err := LoadCA(firstPEM(data[SecretCAKey]), data[SecretCAKeyKey])
	if err != nil || len(bundle) == 0 || !bundle[0].Equal(ca.Cert) || !ca.Cert.NotAfter.After(now) {
		if ca, err = NewCA("podpolicy CA", p.CAValidity, now); err != nil {
			return nil, nil, err
		}
		bundle = []*x509.Certificate{ca.Cert}
		reasons = append(reasons, "no valid CA: created one")
	} else if ca.Cert.NotAfter.Sub(now) < p.CAValidity/3 {
		// The old CA signs one more serving certificate, fresh enough to last until the new CA
		// has been trusted for CAOverlap; only then does the new CA sign.
		if bridge, err = ca.Issue(p.DNSNames, p.IPs, p.Validity, now); err != nil {
			return nil, nil, err
		}
		if ca, err = NewCA("podpolicy CA", p.CAValidity, now); err != nil {
			return nil, nil, err
		}
		bundle = append([]*x509.Certificate{ca.Cert}, bundle...)
		reasons = append(reasons, "CA nearing expiry: added a new CA to the bundle and renewed the serving certificate from the old one")
	}
	if bridge != nil {
		data = maps.Clone(data)
		data[SecretCertKey], data[SecretKeyKey] = bridge.CertPEM, bridge.KeyPEM
	}

	servingOK, why := servingValid(data[SecretCertKey], data[SecretKeyKey], bundle, p, now)
	propagated := !now.Before(issuedAt(ca.Cert).Add(p.CAOverlap))
	signedByCurrent := servingOK && signedBy(data[SecretCertKey], ca.Cert)
	out := map[string][]byte{
		SecretCertKey:  data[SecretCertKey],
		SecretKeyKey:   data[SecretKeyKey],
		SecretCAKey:    encodeBundle(bundle),
		SecretCAKeyKey: ca.KeyPEM,
	}
	if !servingOK || (!signedByCurrent && propagated) {
		if servingOK {
			why = "the CA changed"
		}
		b, err := ca.Issue(p.DNSNames, p.IPs, p.Validity, now)
		if err != nil {
			return nil, nil, err
		}
		out[SecretCertKey], out[SecretKeyKey] = b.CertPEM, b.KeyPEM
		reasons = append(reasons, "serving certificate "+why+": issued a new one")
	}
	if len(reasons) == 0 && !bytes.Equal(out[SecretCAKey], data[SecretCAKey]) {
		reasons = append(reasons, "expired CAs dropped from the bundle")
	}
	return out, reasons, nil
}

// servingValid checks a serving certificate against the policy; why says what is wrong.
func servingValid(certPEM, keyPEM []byte, bundle []*x509.Certificate, p Policy, now time.Time) (bool, string) {
	if len(certPEM) == 0 || len(keyPEM) == 0 {
		return false, "is missing"
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return false, fmt.Sprintf("is unusable (%v)", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return false, fmt.Sprintf("is unusable (%v)", err)
	}
	if cert.NotAfter.Sub(now) < p.RenewBefore {
		return false, "is due for renewal"
	}
	for _, name := range p.DNSNames {
		if !slices.Contains(cert.DNSNames, name) {
			return false, "lacks the name " + name
		}
	}
	for _, ip := range p.IPs {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false, "lacks the address " + ip.String()
		}
	}
	pool := x509.NewCertPool()
	for _, ca := range bundle {
		pool.AddCert(ca)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return false, "is not signed by a trusted CA"
	}
	return true, ""
}

func signedBy(certPEM []byte, ca *x509.Certificate) bool {
	cert, err := pki.DecodeX509CertificateBytes(certPEM)
	return err == nil && cert.CheckSignatureFrom(ca) == nil
}

// issuedAt undoes the clock-skew backdating of a certificate's NotBefore.
func issuedAt(cert *x509.Certificate) time.Time { return cert.NotBefore.Add(clockSkew) }

// validCAs parses a PEM bundle and keeps the CA certificates not yet expired, in order.
func validCAs(bundlePEM []byte, now time.Time) []*x509.Certificate {
	certs, err := pki.DecodeX509CertificateSetBytes(bundlePEM)
	if err != nil {
		return nil
	}
	var out []*x509.Certificate
	for _, c := range certs {
		if c.IsCA && c.NotAfter.After(now) {
			out = append(out, c)
		}
	}
	return out
}

func firstPEM(bundlePEM []byte) []byte {
	certs, err := pki.DecodeX509CertificateSetBytes(bundlePEM)
	if err != nil || len(certs) == 0 {
		return nil
	}
	encoded, err := pki.EncodeX509(certs[0])
	if err != nil {
		return nil
	}
	return encoded
}

func encodeBundle(certs []*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		encoded, err := pki.EncodeX509(c)
		if err == nil {
			out = append(out, encoded...)
		}
	}
	return out
}
