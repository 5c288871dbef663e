package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Suite is what an e2e package's TestMain sets up: a work directory, a freshly built
// podpolicy binary and a running control plane.
type Suite struct {
	Dir    string
	Binary string
	CP     *ControlPlane

	webhooks atomic.Int64
}

// StartSuite builds podpolicy and starts a control plane with the CRDs of crdPaths.
func StartSuite(ctx context.Context, name string, crdPaths ...string) (*Suite, error) {
	dir, err := os.MkdirTemp("", "podpolicy-"+name+"-")
	if err != nil {
		return nil, err
	}
	s := &Suite{Dir: dir}
	start := time.Now()
	if s.Binary, err = BuildPodpolicy(ctx, dir); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	if s.CP, err = StartControlPlane(filepath.Join(dir, "control-plane"), crdPaths...); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	fmt.Printf("%s: podpolicy built, kube-apiserver, etcd and kube-controller-manager up in %v\n", name, time.Since(start).Round(time.Millisecond))
	return s, nil
}

// Close stops the control plane and removes the work directory.
func (s *Suite) Close() error {
	return errors.Join(s.CP.Stop(), os.RemoveAll(s.Dir))
}

// StartWebhook starts a podpolicy serve of the suite's binary with API access; o's Binary,
// Dir and Kubeconfig are filled in.
func (s *Suite) StartWebhook(ctx context.Context, o WebhookOptions) (*Webhook, error) {
	o.Binary, o.Kubeconfig = s.Binary, s.CP.Kubeconfig
	o.Dir = filepath.Join(s.Dir, fmt.Sprintf("webhook-%d", s.webhooks.Add(1)))
	return StartWebhook(ctx, o)
}

// StartInstalledWebhook starts a podpolicy serve as StartWebhook does and registers it in both
// webhook configurations with failurePolicy Fail, waiting until the API server calls it.
func (s *Suite) StartInstalledWebhook(ctx context.Context, o WebhookOptions) (*Webhook, error) {
	w, err := s.StartWebhook(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := s.CP.InstallWebhooks(ctx, w, admissionregistrationv1.Fail); err != nil {
		_ = w.Stop()
		return nil, fmt.Errorf("%w\npodpolicy log:\n%s", err, w.LogTail(30))
	}
	return w, nil
}

var (
	namespaces  atomic.Int64
	notDNSLabel = regexp.MustCompile(`[^a-z0-9-]+`)
)

// Namespace creates a namespace with labels, named after the test.
func (s *Suite) Namespace(t testing.TB, labels map[string]string) string {
	t.Helper()
	name := notDNSLabel.ReplaceAllString(strings.ToLower(t.Name()), "-")
	name = fmt.Sprintf("%.50s-%d", name, namespaces.Add(1))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: strings.Trim(name, "-"), Labels: labels}}
	if _, err := s.CP.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// Kubectl runs kubectl with a one-minute timeout.
func (s *Suite) Kubectl(t testing.TB, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.CP.Kubectl(ctx, "", args...)
}
