//go:build e2e

package parity

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// recordLabel marks the namespaces whose requests the recorder is sent.
const recordLabel = "podpolicy.test/parity"

// recorder is a webhook that admits everything and keeps the AdmissionReviews of dry runs,
// as the API server sent them.
type recorder struct {
	server *http.Server
	mu     sync.Mutex
	// reviews are the dry-run reviews received since the last take, by webhook path.
	reviews []recorded
}

// recorded is one AdmissionReview the API server sent.
type recorded struct {
	path string
	body []byte
	req  *admissionv1.AdmissionRequest
}

// startRecorder serves the recorder on loopback and registers it, validating every kind
// podpolicy judges and mutating Pods, in the namespaces labelled recordLabel.
func startRecorder(ctx context.Context, cp *harness.ControlPlane) (*recorder, error) {
	ca, err := certs.NewCA("parity recorder CA", time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	bundle, err := ca.Issue(nil, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(bundle.CertPEM, bundle.KeyPEM)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &recorder{}
	r.server = &http.Server{Handler: r, TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.server.ServeTLS(ln, "", "") }()
	url := "https://" + ln.Addr().String()
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{recordLabel: "record"}}
	validate, mutate := url+"/validate", url+"/mutate"
	api := cp.Client.AdmissionregistrationV1()
	if _, err := api.ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "parity-recorder"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "record.parity.podpolicy.test", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &validate, CABundle: ca.CertPEM},
			Rules: harness.ValidatingRules, FailurePolicy: &fail, SideEffects: &none, TimeoutSeconds: &timeout,
			NamespaceSelector: selector, AdmissionReviewVersions: []string{"v1"},
		}},
	}, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("register the recorder: %w", err)
	}
	scope := admissionregistrationv1.NamespacedScope
	if _, err := api.MutatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "parity-recorder"},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name: "record.parity.podpolicy.test", ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &mutate, CABundle: ca.CertPEM},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}, Scope: &scope},
			}},
			FailurePolicy: &fail, SideEffects: &none, TimeoutSeconds: &timeout, NamespaceSelector: selector, AdmissionReviewVersions: []string{"v1"},
		}},
	}, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("register the recorder: %w", err)
	}
	return r, nil
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	if review.Request.DryRun != nil && *review.Request.DryRun {
		r.mu.Lock()
		r.reviews = append(r.reviews, recorded{path: req.URL.Path, body: body, req: review.Request})
		r.mu.Unlock()
	}
	out, _ := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: review.TypeMeta,
		Response: &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true},
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// take returns the dry-run reviews received since the last take.
func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reviews
	r.reviews = nil
	return out
}

func (r *recorder) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.server.Shutdown(ctx)
}
