//go:build e2e

package node

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/certs"
)

// TestChartWithCertManagerTLS installs the chart in cert-manager mode. cert-manager itself
// does not run here: the test does its two jobs, as cert-manager would, from the objects the
// chart renders. It writes the serving certificate into the Secret the chart's Certificate
// names (the shape cert-manager gives it: tls.crt, tls.key, ca.crt), and, as cainjector, copies
// ca.crt into the webhook configurations that name that Certificate in
// cert-manager.io/inject-ca-from. The Pods must then serve that certificate to the API server.
func TestChartWithCertManagerTLS(t *testing.T) {
	const cmRelease, ns = "cm", "podpolicy-cm"
	fullname := cmRelease + "-podpolicy"
	ctx := context.Background()
	if _, err := cluster.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// cert-manager would issue this once the chart's Certificate exists; issuing it first
	// only spares a wait, since the Pods cannot start without the Secret.
	ca, err := certs.NewCA("cert-manager test CA", 24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	service := fullname + "." + ns + ".svc"
	bundle, err := ca.Issue([]string{service, service + ".cluster.local"}, nil, 12*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: fullname + "-tls", Namespace: ns, Annotations: map[string]string{"cert-manager.io/certificate-name": fullname}},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"tls.crt": bundle.CertPEM, "tls.key": bundle.KeyPEM, "ca.crt": bundle.CAPEM},
	}
	if _, err := cluster.Client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := helm(t, "install", cmRelease, chartDir(), "-n", ns, "-f", "testdata/values.yaml",
		// The Report CRD a chart installs is kept on uninstall, owned by its release: a
		// second release of the cluster leaves it to the first, as with any CRD-owning tool.
		"--set", "certManager.enabled=true", "--set", "audit.installCRDs=false", "--wait", "--timeout", "3m")
	mustSucceed(t, "helm install --wait (cert-manager mode)", r, ns)
	defer func() {
		mustSucceed(t, "helm uninstall", helm(t, "uninstall", cmRelease, "-n", ns, "--wait", "--timeout", "2m"), ns)
	}()

	// The chart's Certificate names the Secret and the Service's DNS name.
	r = kubectl(t, "get", "certificate", fullname, "-n", ns, "-o", "jsonpath={.spec.secretName} {.spec.dnsNames}")
	mustSucceed(t, "the chart's Certificate", r, ns)
	mustContain(t, "the Certificate", r.Stdout, secret.Name+" ", service)

	// cainjector's part.
	for _, kind := range []string{"validatingwebhookconfiguration", "mutatingwebhookconfiguration"} {
		r := kubectl(t, "get", kind, fullname, "-o", `jsonpath={.metadata.annotations.cert-manager\.io/inject-ca-from} {range .webhooks[*]}{.name} {end}`)
		mustSucceed(t, "get "+kind, r, ns)
		fields := strings.Fields(r.Stdout)
		if len(fields) < 2 || fields[0] != ns+"/"+fullname {
			t.Fatalf("%s %s: inject-ca-from and webhooks %q, want %s/%s first", kind, fullname, r.Stdout, ns, fullname)
		}
		var patch []string
		for i := range fields[1:] {
			patch = append(patch, fmt.Sprintf(`{"op":"add","path":"/webhooks/%d/clientConfig/caBundle","value":%q}`, i, encodeBase64(bundle.CAPEM)))
		}
		mustSucceed(t, "inject the CA into "+kind, kubectl(t, "patch", kind, fullname, "--type=json", "-p", "["+strings.Join(patch, ",")+"]"), ns)
	}
	waitReadyReplicasIn(t, ns, cmRelease, 2)

	// The API server now calls the Pods through the Service, trusting cert-manager's CA.
	app := namespace(t, "cm-article", nil)
	r = kubectl(t, "apply", "-n", app, "-f", filepath.Join(root, "examples", "web-server-pod.yaml"))
	if r.ExitCode == 0 {
		t.Fatalf("the article's Pod was admitted in cert-manager mode:\n%s", r.Output())
	}
	mustContain(t, "the denial", r.Stderr, `admission webhook "validate.podpolicy.io" denied the request`, "[probes-required]")
	got, err := cluster.Client.CoreV1().Pods(app).Create(ctx, fixedPod(t, "cm-fixed"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatalf("the fixed Pod in cert-manager mode: %v", err)
	}
	if got.Labels["example.com/policy"] != "podpolicy" {
		t.Errorf("the fixed Pod was not mutated in cert-manager mode: labels %v", got.Labels)
	}
}
