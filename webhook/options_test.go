package webhook

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podpolicy/podpolicy/certs"
)

func validOptions(t *testing.T) Options {
	t.Helper()
	dir := t.TempDir()
	ca, err := certs.NewCA("test", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ca.Issue([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := certs.WriteFiles(dir, b); err != nil {
		t.Fatal(err)
	}
	return Options{WebhookPort: 9443, CertDir: dir, CertName: "tls.crt", KeyName: "tls.key", ReloadInterval: time.Second, EvalTimeout: time.Second}
}

func TestOptionsRejectAMismatchedKeyPair(t *testing.T) {
	o := validOptions(t)
	if err := o.Validate(); err != nil {
		t.Fatalf("valid options: %v", err)
	}
	other := validOptions(t)
	key, _ := os.ReadFile(filepath.Join(other.CertDir, "tls.key"))
	if err := os.WriteFile(filepath.Join(o.CertDir, "tls.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), "tls.key are not a usable key pair: tls: private key does not match public key") {
		t.Errorf("mismatched pair: %v", err)
	}
}

func TestOptionsCheckSelfManagedTLSTimes(t *testing.T) {
	o := validOptions(t)
	o.TLS = &SelfManagedTLS{SecretNamespace: "ns", SecretName: "s", ServiceName: "svc", ValidatingWebhook: "v", MutatingWebhook: "m",
		Validity: time.Hour, RenewBefore: 2 * time.Hour, CAValidity: 2 * time.Hour, CAOverlap: time.Hour, RefreshInterval: 0}
	err := o.Validate()
	for _, want := range []string{"--cert-renew-before", "--ca-validity", "--ca-overlap", "--tls-refresh-interval"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
