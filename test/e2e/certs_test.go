//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cert-manager/cert-manager/pkg/util/pki"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// TestCertificateFilesRotateUnderLoad replaces the serving certificate files (as cert-manager
// and the kubelet do with a mounted Secret) while Pods are created: podpolicy must serve each
// new certificate without a restart and no create may fail.
func TestCertificateFilesRotateUnderLoad(t *testing.T) {
	ns := namespace(t, nil)
	load, err := harness.StartLoad(context.Background(), cp.Client, harness.LoadOptions{
		Namespace: ns, Workers: 2, Interval: 10 * time.Millisecond, BadEvery: 10, MutationLabel: "example.com/policy",
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		time.Sleep(time.Second)
		if err := webhook.RotateCertificate(); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(webhook.CertDir, certs.CertFile))
		if err != nil {
			t.Fatal(err)
		}
		waitServed(t, want)
	}
	time.Sleep(time.Second)
	load.Stop()
	t.Logf("3 certificate rotations under load: %s", load)
	if !load.OK() || load.Admitted.Load() == 0 {
		t.Errorf("creates failed during rotation:\n%s", load.Errors())
	}
}

// waitServed waits until the webhook serves the certificate whose PEM is wantPEM.
func waitServed(t *testing.T, wantPEM []byte) {
	t.Helper()
	want, err := pki.DecodeX509CertificateBytes(wantPEM)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		served, err := webhook.ServedCertificate()
		if err == nil && served.Equal(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the rotated certificate is not served after 15s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
