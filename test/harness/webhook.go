package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/podpolicy/podpolicy/certs"
)

// WebhookOptions configure a podpolicy serve process.
type WebhookOptions struct {
	// Binary is the podpolicy binary.
	Binary string
	// Dir receives the certificates and the log.
	Dir string
	// Kubeconfig is passed as --kubeconfig when set.
	Kubeconfig string
	// ConfigFile is passed as --config when set.
	ConfigFile string
	// PolicyDirs are passed as --policy-dir.
	PolicyDirs []string
	// Args are extra flags.
	Args []string
	// Port is the webhook port; a free one when zero.
	Port int
	// CA signs the serving certificate; a new one when nil.
	CA *certs.CA
	// SelfManagedTLS leaves the certificate to podpolicy (--self-managed-tls in Args): no
	// certificate files are written.
	SelfManagedTLS bool
}

// Webhook is a running `podpolicy serve`.
type Webhook struct {
	Port, MetricsPort, HealthPort int
	// CA signed the serving certificate in CertDir.
	CA      *certs.CA
	CertDir string
	LogPath string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// StartWebhook issues a serving certificate for 127.0.0.1, starts podpolicy serve with it
// and waits until /readyz answers.
func StartWebhook(ctx context.Context, o WebhookOptions) (*Webhook, error) {
	w := &Webhook{Port: o.Port, CA: o.CA, CertDir: filepath.Join(o.Dir, "certs"), LogPath: filepath.Join(o.Dir, "podpolicy.log")}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	var err error
	for _, port := range []*int{&w.Port, &w.MetricsPort, &w.HealthPort} {
		if *port == 0 {
			if *port, err = FreePort(); err != nil {
				return nil, err
			}
		}
	}
	args := []string{"serve", "--webhook-host=127.0.0.1", "--webhook-port=" + strconv.Itoa(w.Port)}
	if !o.SelfManagedTLS {
		if w.CA == nil {
			if w.CA, err = certs.NewCA("podpolicy test CA", 24*time.Hour, time.Now()); err != nil {
				return nil, err
			}
		}
		if err := w.RotateCertificate(); err != nil {
			return nil, err
		}
		args = append(args, "--webhook-cert-path="+w.CertDir)
	}
	args = append(args,
		"--metrics-bind-address=127.0.0.1:"+strconv.Itoa(w.MetricsPort),
		"--health-probe-bind-address=127.0.0.1:"+strconv.Itoa(w.HealthPort),
		"--reload-interval=500ms",
	)
	if o.Kubeconfig != "" {
		args = append(args, "--kubeconfig="+o.Kubeconfig)
	}
	if o.ConfigFile != "" {
		args = append(args, "--config="+o.ConfigFile)
	}
	for _, dir := range o.PolicyDirs {
		args = append(args, "--policy-dir="+dir)
	}
	args = append(args, o.Args...)
	logFile, err := os.OpenFile(w.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	w.cmd = exec.Command(o.Binary, args...)
	w.cmd.Stdout, w.cmd.Stderr = logFile, logFile
	if err := w.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start podpolicy: %w", err)
	}
	w.done = make(chan struct{})
	go func() {
		w.err = w.cmd.Wait()
		logFile.Close()
		close(w.done)
	}()
	if err := w.WaitReady(ctx, 60*time.Second); err != nil {
		_ = w.Kill()
		return nil, err
	}
	return w, nil
}

// RotateCertificate writes a new serving certificate for 127.0.0.1 and localhost, signed by
// the webhook's CA, into CertDir.
func (w *Webhook) RotateCertificate() error {
	bundle, err := w.CA.Issue([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, 12*time.Hour, time.Now())
	if err != nil {
		return err
	}
	return certs.WriteFiles(w.CertDir, bundle)
}

// WaitReady polls /readyz until it answers 200, the process exits or timeout passes.
func (w *Webhook) WaitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-w.done:
			return fmt.Errorf("podpolicy exited (%v) before it was ready:\n%s", w.err, w.LogTail(40))
		default:
		}
		if w.Ready() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("podpolicy not ready after %v:\n%s", timeout, w.LogTail(40))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Ready reports whether /readyz answers 200.
func (w *Webhook) Ready() bool {
	return w.probe("/readyz") == nil
}

// Healthy reports whether the process runs and /healthz answers 200.
func (w *Webhook) Healthy() error {
	select {
	case <-w.done:
		return fmt.Errorf("podpolicy exited: %v", w.err)
	default:
	}
	return w.probe("/healthz")
}

func (w *Webhook) probe(path string) error {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", w.HealthPort, path))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", path, resp.StatusCode)
	}
	return nil
}

// URL returns the webhook URL of a path such as /validate.
func (w *Webhook) URL(path string) string {
	return fmt.Sprintf("https://127.0.0.1:%d%s", w.Port, path)
}

// MetricsURL returns the URL of the Prometheus endpoint.
func (w *Webhook) MetricsURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/metrics", w.MetricsPort)
}

// Client returns an HTTPS client that trusts the webhook's CA.
func (w *Webhook) Client() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(w.CA.Cert)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// ServedCertificate connects to the webhook port and returns the leaf certificate it serves,
// without verifying it.
func (w *Webhook) ServedCertificate() (*x509.Certificate, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", w.Port),
		&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test inspects what is served, it trusts nothing
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// Stop sends SIGTERM and waits for the process to exit; it kills it after 30 seconds.
func (w *Webhook) Stop() error {
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-w.done:
		return w.exitError()
	case <-time.After(30 * time.Second):
		_ = w.Kill()
		return errors.New("podpolicy did not stop within 30s of SIGTERM")
	}
}

// Kill kills the process at once (no drain) and waits for it.
func (w *Webhook) Kill() error {
	if err := w.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-w.done
	return nil
}

// Done is closed when the process has exited.
func (w *Webhook) Done() <-chan struct{} { return w.done }

func (w *Webhook) exitError() error {
	if w.err != nil {
		return fmt.Errorf("podpolicy exited: %w", w.err)
	}
	return nil
}

// Log returns the process's log so far.
func (w *Webhook) Log() string {
	data, _ := os.ReadFile(w.LogPath)
	return string(data)
}

// LogTail returns the last n lines of the log.
func (w *Webhook) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(w.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// PID returns the process ID of podpolicy.
func (w *Webhook) PID() int { return w.cmd.Process.Pid }

// Signal sends sig to podpolicy.
func (w *Webhook) Signal(sig os.Signal) error { return w.cmd.Process.Signal(sig) }
