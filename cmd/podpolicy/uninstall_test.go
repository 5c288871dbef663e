package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// fakeAPIServer answers DELETE of webhook configurations: those in exist are deleted, others
// are not found; every request is recorded as "METHOD path".
type fakeAPIServer struct {
	mu       sync.Mutex
	exist    map[string]bool
	requests []string
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	status := metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusOK}
	switch {
	case r.Method != http.MethodDelete || !strings.HasPrefix(r.URL.Path, "/apis/admissionregistration.k8s.io/v1/"):
		status = metav1.Status{Status: metav1.StatusFailure, Code: http.StatusMethodNotAllowed, Reason: metav1.StatusReasonMethodNotAllowed}
	case f.exist[r.URL.Path]:
		delete(f.exist, r.URL.Path)
	default:
		status = metav1.Status{Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound, Message: r.URL.Path + " not found"}
	}
	status.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(status.Code))
	_ = json.NewEncoder(w).Encode(status)
}

// kubeconfigFor writes a kubeconfig pointing at url.
func kubeconfigFor(t *testing.T, url string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["fake"] = &clientcmdapi.Cluster{Server: url}
	cfg.AuthInfos["fake"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["fake"] = &clientcmdapi.Context{Cluster: "fake", AuthInfo: "fake"}
	cfg.CurrentContext = "fake"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	validatingPath = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/pp-podpolicy"
	mutatingPath   = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/pp-podpolicy"
)

func TestUninstallWebhooksDeletesBothAndIgnoresNotFound(t *testing.T) {
	api := &fakeAPIServer{exist: map[string]bool{validatingPath: true}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	code, stdout, stderr := runCLI(t, "", "uninstall-webhooks", "--kubeconfig", kubeconfigFor(t, srv.URL),
		"--validating-webhook-configuration", "pp-podpolicy", "--mutating-webhook-configuration", "pp-podpolicy")
	want := "validatingwebhookconfiguration \"pp-podpolicy\" deleted\n" +
		"mutatingwebhookconfiguration \"pp-podpolicy\" not found, nothing to delete\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and %q", code, stdout, stderr, want)
	}
	if got := strings.Join(api.requests, "\n"); got != "DELETE "+validatingPath+"\nDELETE "+mutatingPath {
		t.Errorf("requests:\n%s", got)
	}
}

func TestUninstallWebhooksErrors(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "etcd is down", http.StatusInternalServerError)
	}))
	defer down.Close()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no names", []string{"--kubeconfig", "x"}, 2, "give --validating-webhook-configuration, --mutating-webhook-configuration or both"},
		{"stray argument", []string{"--validating-webhook-configuration", "a", "b"}, 2, "unexpected arguments [b]"},
		{"missing kubeconfig", []string{"--validating-webhook-configuration", "a", "--kubeconfig", "/nonexistent/kubeconfig"}, 1, "--kubeconfig: "},
		{"API error", []string{"--validating-webhook-configuration", "a", "--mutating-webhook-configuration", "b", "--kubeconfig", kubeconfigFor(t, down.URL)}, 1,
			`delete ValidatingWebhookConfiguration "a": `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", append([]string{"uninstall-webhooks"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}
