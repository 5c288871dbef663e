package certs

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cert-manager/cert-manager/pkg/util/pki"
)

var policy = Policy{
	DNSNames:    []string{"podpolicy", "podpolicy.system.svc"},
	IPs:         []net.IP{net.IPv4(127, 0, 0, 1)},
	Validity:    90 * time.Minute,
	RenewBefore: 30 * time.Minute,
	CAValidity:  9 * time.Hour,
	CAOverlap:   5 * time.Minute,
}

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func plan(t *testing.T, data map[string][]byte, now time.Time) (map[string][]byte, []string) {
	t.Helper()
	out, reasons, err := Plan(data, policy, now)
	if err != nil {
		t.Fatal(err)
	}
	return out, reasons
}

func leaf(t *testing.T, data map[string][]byte) *x509.Certificate {
	t.Helper()
	if _, err := tls.X509KeyPair(data[SecretCertKey], data[SecretKeyKey]); err != nil {
		t.Fatalf("serving pair unusable: %v", err)
	}
	c, err := pki.DecodeX509CertificateBytes(data[SecretCertKey])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bundle(t *testing.T, data map[string][]byte) []*x509.Certificate {
	t.Helper()
	cas, err := pki.DecodeX509CertificateSetBytes(data[SecretCAKey])
	if err != nil {
		t.Fatal(err)
	}
	return cas
}

func TestPlanCreatesEverythingFromAnEmptySecret(t *testing.T) {
	data, reasons := plan(t, map[string][]byte{"tls.crt": {}, "tls.key": {}}, t0)
	if len(reasons) != 2 {
		t.Errorf("reasons %v", reasons)
	}
	cert := leaf(t, data)
	if cert.DNSNames[1] != "podpolicy.system.svc" || !cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("names %v %v", cert.DNSNames, cert.IPAddresses)
	}
	if cas := bundle(t, data); len(cas) != 1 || cert.CheckSignatureFrom(cas[0]) != nil {
		t.Error("the serving certificate is not signed by the bundle's CA")
	}
	if again, reasons := plan(t, data, t0.Add(time.Minute)); len(reasons) != 0 || string(again[SecretCertKey]) != string(data[SecretCertKey]) {
		t.Errorf("a fresh Secret was changed again: %v", reasons)
	}
}

func TestPlanRenewsTheServingCertificateUnderTheSameCA(t *testing.T) {
	data, _ := plan(t, nil, t0)
	renewed, reasons := plan(t, data, t0.Add(61*time.Minute))
	if len(reasons) != 1 || !strings.Contains(reasons[0], "due for renewal") {
		t.Fatalf("reasons %v", reasons)
	}
	if string(renewed[SecretCAKey]) != string(data[SecretCAKey]) {
		t.Error("renewing the serving certificate changed the CA bundle")
	}
	if leaf(t, renewed).SerialNumber.Cmp(leaf(t, data).SerialNumber) == 0 {
		t.Error("the serving certificate was not replaced")
	}
}

func TestPlanRotatesTheCAWithoutAWindow(t *testing.T) {
	now := t0
	data, _ := plan(t, nil, now)
	oldCA := bundle(t, data)[0]
	// Keep the serving certificate fresh until the CA has less than a third of its life left.
	for now.Before(t0.Add(6*time.Hour + time.Minute)) {
		now = now.Add(20 * time.Minute)
		data, _ = plan(t, data, now)
	}
	cas := bundle(t, data)
	if len(cas) != 2 || !cas[1].Equal(oldCA) {
		t.Fatalf("bundle after the CA rotation starts: %d CAs", len(cas))
	}
	if leaf(t, data).CheckSignatureFrom(oldCA) != nil {
		t.Fatal("a certificate of the new CA is served before the new CA was trusted for CAOverlap")
	}
	data, reasons := plan(t, data, now.Add(policy.CAOverlap))
	if len(reasons) != 1 || !strings.Contains(reasons[0], "the CA changed") || leaf(t, data).CheckSignatureFrom(cas[0]) != nil {
		t.Fatalf("after the overlap the serving certificate must come from the new CA: %v", reasons)
	}
	data, _ = plan(t, data, oldCA.NotAfter.Add(time.Second))
	if cas := bundle(t, data); len(cas) != 1 || cas[0].Equal(oldCA) {
		t.Error("the expired CA is still in the bundle")
	}
}

func TestPlanReplacesCorruptOrMismatchedMaterial(t *testing.T) {
	good, _ := plan(t, nil, t0)
	other, _ := plan(t, nil, t0)
	for name, data := range map[string]map[string][]byte{
		"garbage key":          {SecretCertKey: good[SecretCertKey], SecretKeyKey: []byte("not a key"), SecretCAKey: good[SecretCAKey], SecretCAKeyKey: good[SecretCAKeyKey]},
		"mismatched key":       {SecretCertKey: good[SecretCertKey], SecretKeyKey: other[SecretKeyKey], SecretCAKey: good[SecretCAKey], SecretCAKeyKey: good[SecretCAKeyKey]},
		"foreign cert":         {SecretCertKey: other[SecretCertKey], SecretKeyKey: other[SecretKeyKey], SecretCAKey: good[SecretCAKey], SecretCAKeyKey: good[SecretCAKeyKey]},
		"corrupt CA":           {SecretCertKey: good[SecretCertKey], SecretKeyKey: good[SecretKeyKey], SecretCAKey: []byte("junk"), SecretCAKeyKey: good[SecretCAKeyKey]},
		"CA key of another CA": {SecretCertKey: good[SecretCertKey], SecretKeyKey: good[SecretKeyKey], SecretCAKey: good[SecretCAKey], SecretCAKeyKey: other[SecretCAKeyKey]},
	} {
		t.Run(name, func(t *testing.T) {
			fixed, reasons := plan(t, data, t0.Add(time.Minute))
			if len(reasons) == 0 {
				t.Fatal("corrupt material was kept")
			}
			cas := bundle(t, fixed)
			if leaf(t, fixed).CheckSignatureFrom(cas[0]) != nil {
				t.Error("the replacement is not signed by the bundle's first CA")
			}
		})
	}
}
