package main

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// nullWebhook admits every request without looking at it: registered like podpolicy, it
// measures what any webhook costs a Pod create through this API server (its round trips and
// encoding, and with a patch the API server applying it), so podpolicy's own share can be
// told apart.
type nullWebhook struct {
	server *http.Server
	url    string
	caPEM  []byte
	// patch, when set, is the JSON Patch /mutate answers with.
	patch []byte
	calls atomic.Int64
	// conns counts the connections the API server opened: a new connection per call would
	// mean a TLS handshake per call.
	conns atomic.Int64
}

// startNullWebhook serves HTTPS on loopback with the same certificate type and protocol
// settings as podpolicy serve (ECDSA P-256, TLS 1.2+, HTTP/1.1).
func startNullWebhook(patch []byte) (*nullWebhook, error) {
	ca, err := certs.NewCA("null webhook CA", 24*time.Hour, time.Now())
	if err != nil {
		return nil, err
	}
	bundle, err := ca.Issue([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, 12*time.Hour, time.Now())
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
	w := &nullWebhook{url: "https://" + ln.Addr().String(), caPEM: ca.CertPEM, patch: patch}
	w.server = w.newServer(pair)
	go func() { _ = w.server.ServeTLS(ln, "", "") }()
	return w, nil
}

func (w *nullWebhook) newServer(pair tls.Certificate) *http.Server {
	return &http.Server{
		Handler:           http.HandlerFunc(w.admit),
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				w.conns.Add(1)
			}
		},
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
	}
}

func (w *nullWebhook) admit(rw http.ResponseWriter, r *http.Request) {
	w.calls.Add(1)
	var review struct {
		Request struct {
			UID string `json:"uid"`
		} `json:"request"`
	}
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/mutate" && w.patch != nil {
		fmt.Fprintf(rw, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":%q,"allowed":true,"patchType":"JSONPatch","patch":%q}}`,
			review.Request.UID, base64.StdEncoding.EncodeToString(w.patch))
		return
	}
	fmt.Fprintf(rw, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":%q,"allowed":true}}`, review.Request.UID)
}

// install registers the null webhook in both configurations and waits until the API server
// calls it.
func (w *nullWebhook) install(ctx context.Context, cp *harness.ControlPlane) error {
	if err := cp.RegisterURLs(ctx, w.url+"/validate", w.url+"/mutate", w.caPEM, "Fail"); err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		before := w.calls.Load()
		if err := probe(ctx, cp); err == nil && w.calls.Load() > before {
			return nil
		}
	}
	return errors.New("the API server never called the null webhook")
}

// probe dry-runs the creation of a Pod that podpolicy would deny (its image has no tag).
func probe(ctx context.Context, cp *harness.ControlPlane) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-probe", Namespace: "default", Annotations: map[string]string{"probe": "yes"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "probe", Image: "probe"}}},
	}
	_, err := cp.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	return err
}

func (w *nullWebhook) stop() { _ = w.server.Close() }
