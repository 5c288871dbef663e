//go:build e2e

package chart

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cert-manager/cert-manager/pkg/util/pki"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestSelfManagedTLS installs the chart in self-managed TLS mode and runs two podpolicy
// replicas with the rendered Deployment's flags and the chart's own ServiceAccount
// permissions. They start from the chart's empty Secret, must create the CA and serving
// certificate, write the caBundle, and be called by the API server; then, with lifetimes of
// seconds, they renew the certificate (and once the CA) while Pods are created: no create may
// fail and none may be admitted unchecked.
func TestSelfManagedTLS(t *testing.T) {
	ctx := context.Background()
	ensureNamespace(t, namespace)
	path, objects := render(t, "-f", "testdata/renewal-values.yaml", "--no-hooks")
	if r := kubectl(t, "apply", "-n", namespace, "-f", path); r.ExitCode != 0 {
		t.Fatalf("apply the chart: %s", r.Output())
	}
	t.Cleanup(func() { kubectl(t, "delete", "-n", namespace, "-f", path, "--ignore-not-found", "--wait=false") })
	secret := getSecret(t)
	if len(secret.Data[corev1.TLSCertKey]) != 0 {
		t.Fatal("the chart's Secret is not empty at install")
	}

	// No kubelet runs the Deployment: podpolicy runs here, and the configurations call it by URL.
	ports := [2]int{}
	for i := range ports {
		var err error
		if ports[i], err = harness.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	for kind, webhookPath := range map[string]string{"validatingwebhookconfiguration": "/validate", "mutatingwebhookconfiguration": "/mutate"} {
		patch := fmt.Sprintf(`[{"op":"remove","path":"/webhooks/0/clientConfig/service"},{"op":"add","path":"/webhooks/0/clientConfig/url","value":"https://127.0.0.1:%d%s"}]`, ports[0], webhookPath)
		if r := kubectl(t, "patch", kind, fullname, "--type=json", "-p", patch); r.ExitCode != 0 {
			t.Fatalf("point %s at the local podpolicy: %s", kind, r.Output())
		}
	}

	args, configFile := deploymentArgs(t, objects)
	kubeconfig := serviceAccountKubeconfig(t, fullname)
	var replicas []*harness.Webhook
	for i, port := range ports {
		w, err := harness.StartWebhook(ctx, harness.WebhookOptions{
			Binary: binary, Dir: filepath.Join(t.TempDir(), fmt.Sprint("replica", i)), Port: port,
			Kubeconfig: kubeconfig, ConfigFile: configFile, SelfManagedTLS: true,
			Args: append(args, "--tls-extra-ips=127.0.0.1"),
		})
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, w)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("replica %d log:\n%s", i, w.LogTail(40))
			}
			_ = w.Stop()
		})
	}
	if err := cp.WaitForWebhook(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	secret = getSecret(t)
	for _, kind := range []string{"validatingwebhookconfiguration", "mutatingwebhookconfiguration"} {
		r := kubectl(t, "get", kind, fullname, "-o", "jsonpath={.webhooks[0].clientConfig.caBundle}")
		if r.Stdout == "" || !strings.Contains(string(secret.Data["ca.crt"]), "BEGIN CERTIFICATE") {
			t.Errorf("%s has no caBundle, or the Secret no CA: %s", kind, r.Output())
		}
	}
	t.Logf("podpolicy created its CA and certificate in the empty Secret, wrote the caBundle, and the API server calls it")

	ensureNamespace(t, "load")
	load, err := harness.StartLoad(ctx, cp.Client, harness.LoadOptions{
		Namespace: "load", Workers: 2, Interval: 20 * time.Millisecond, BadEvery: 10, MutationLabel: "example.com/policy", Prefix: "renewal-",
	})
	if err != nil {
		t.Fatal(err)
	}
	renewals, rotations := watchRenewals(t, func(renewals, rotations int) bool {
		return renewals >= 3 && rotations >= 1 && servedByNewestCA(t)
	}, 150*time.Second)
	load.Stop()
	t.Logf("under load: %s; %d serving certificates and %d CAs seen in the Secret; %d Secret updates by the two replicas",
		load, renewals+1, rotations+1, countUpdates(replicas))
	if !load.OK() {
		t.Errorf("failures under renewal:\n%s", load.Errors())
	}
	if renewals < 3 || rotations < 1 {
		t.Errorf("saw %d renewals and %d CA rotations, want at least 3 and 1", renewals, rotations)
	}
	assertReplicasAgree(t, replicas)
	assertOneReplicaAudits(t, replicas)

	// A corrupt key in the Secret is replaced.
	secret = getSecret(t)
	secret.Data[corev1.TLSPrivateKeyKey] = []byte("-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END PRIVATE KEY-----\n")
	if _, err := cp.Client.CoreV1().Secrets(namespace).Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := getSecret(t)
		if _, err := tls.X509KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey]); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the corrupt key in the Secret was not replaced")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := cp.WaitForWebhook(ctx, 10*time.Second); err != nil {
		t.Errorf("after replacing a corrupt key: %v", err)
	}
}

func getSecret(t *testing.T) *corev1.Secret {
	t.Helper()
	s, err := cp.Client.CoreV1().Secrets(namespace).Get(context.Background(), fullname+"-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deploymentArgs returns the podpolicy flags of the rendered Deployment that configure it
// (the listen addresses are the harness's), and the rendered config written to a file.
func deploymentArgs(t *testing.T, objects []map[string]any) ([]string, string) {
	t.Helper()
	deployment := find(t, objects, "Deployment", fullname)
	var args []string
	for _, arg := range asStrings(dig(deployment, "spec", "template", "spec", "containers", 0, "args")) {
		switch name, _, _ := strings.Cut(arg, "="); name {
		case "serve", "--webhook-port", "--metrics-bind-address", "--health-probe-bind-address", "--config":
		default:
			args = append(args, arg)
		}
	}
	configMap := find(t, objects, "ConfigMap", fullname)
	configFile := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(configFile, []byte(dig(configMap, "data", "config.yaml").(string)), 0o644); err != nil {
		t.Fatal(err)
	}
	return args, configFile
}

// serviceAccountKubeconfig writes a kubeconfig with a token of one of the chart's
// ServiceAccounts, so podpolicy runs with exactly the permissions the chart grants it.
func serviceAccountKubeconfig(t *testing.T, serviceAccount string) string {
	t.Helper()
	r := kubectl(t, "create", "token", serviceAccount, "-n", namespace, "--duration=2h")
	if r.ExitCode != 0 {
		t.Fatalf("create token: %s", r.Output())
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: cp.Config.Host, CertificateAuthorityData: cp.Config.CAData}
	cfg.AuthInfos["podpolicy"] = &clientcmdapi.AuthInfo{Token: strings.TrimSpace(r.Stdout)}
	cfg.Contexts["podpolicy"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "podpolicy"}
	cfg.CurrentContext = "podpolicy"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// watchRenewals polls the Secret until done reports true or timeout passes, counting the
// serving certificates and CAs it sees replaced.
func watchRenewals(t *testing.T, done func(renewals, rotations int) bool, timeout time.Duration) (int, int) {
	t.Helper()
	renewals, rotations := 0, 0
	lastCert, lastCA := "", ""
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		s := getSecret(t)
		cert, ca := string(s.Data[corev1.TLSCertKey]), firstCert(s.Data["ca.crt"])
		if lastCert != "" && cert != lastCert {
			renewals++
		}
		if lastCA != "" && ca != lastCA {
			rotations++
		}
		lastCert, lastCA = cert, ca
		if done(renewals, rotations) {
			break
		}
	}
	return renewals, rotations
}

// servedByNewestCA reports whether the Secret's serving certificate is signed by the first CA
// of its bundle, the newest.
func servedByNewestCA(t *testing.T) bool {
	s := getSecret(t)
	cas := parseCerts(s.Data["ca.crt"])
	leaf := parseCerts(s.Data[corev1.TLSCertKey])
	return len(cas) > 0 && len(leaf) > 0 && leaf[0].CheckSignatureFrom(cas[0]) == nil
}

func firstCert(bundle []byte) string {
	if certs := parseCerts(bundle); len(certs) > 0 {
		return string(certs[0].Raw)
	}
	return ""
}

// parseCerts decodes a PEM bundle; nil when it holds no certificate.
func parseCerts(pemData []byte) []*x509.Certificate {
	certs, err := pki.DecodeX509CertificateSetBytes(pemData)
	if err != nil {
		return nil
	}
	return certs
}

// assertReplicasAgree checks that both replicas end up serving the Secret's certificate.
func assertReplicasAgree(t *testing.T, replicas []*harness.Webhook) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		want := parseCerts(getSecret(t).Data[corev1.TLSCertKey])
		agree := len(want) == 1
		for _, w := range replicas {
			served, err := w.ServedCertificate()
			agree = agree && err == nil && bytes.Equal(served.Raw, want[0].Raw)
		}
		if agree {
			return
		}
		if time.Now().After(deadline) {
			t.Error("the replicas do not serve the certificate in the Secret")
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func countUpdates(replicas []*harness.Webhook) int {
	n := 0
	for _, w := range replicas {
		n += strings.Count(w.Log(), "certificate Secret updated")
	}
	return n
}

// assertOneReplicaAudits: with the chart's RBAC, exactly one replica took the audit Lease, and
// its audits listed the cluster and wrote Reports without a permission error.
func assertOneReplicaAudits(t *testing.T, replicas []*harness.Webhook) {
	t.Helper()
	leaders, audits := 0, 0
	for i, w := range replicas {
		log := w.Log()
		if strings.Contains(log, "audit lease acquired") {
			leaders++
		}
		audits += strings.Count(log, "audit done")
		if strings.Contains(log, "forbidden") {
			t.Errorf("replica %d was refused something by the chart's RBAC:\n%s", i, w.LogTail(40))
		}
	}
	if leaders != 1 || audits == 0 {
		t.Errorf("%d replicas took the audit Lease and %d audits completed; want 1 and at least 1", leaders, audits)
	}
	r := kubectl(t, "get", "reports.openreports.io", "-n", "load", "-l", "app.kubernetes.io/managed-by=podpolicy", "-o", "name")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "report.openreports.io/podpolicy-pod-") {
		t.Errorf("no Report of the load's Pods in namespace load: %s", r.Output())
	}
	t.Logf("one replica of two audits under the chart's RBAC: %d audits, Reports written", audits)
}
